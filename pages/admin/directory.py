"""`/admin/directory`: company directory sign-in (LDAP / AD): the connection and its check, and the
table that maps directory groups to Okno roles and teams (services in data/identity/directory_groups.py)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from components import sla_admin as ui
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError
from data.identity import directory_groups
from data.models import ROLES, DirectoryGroup

dash.register_page(__name__, path="/admin/directory", title="Okno · Directory")

P = "dir"
LABELS = {"group_dn": N_("directory.group_dn"), "role": N_("directory.role"), "team": N_("directory.team")}
ROLE_KEYS = {"admin": N_("directory.role.admin"), "manager": N_("directory.role.manager"),
             "agent": N_("directory.role.agent"), "analyst": N_("directory.role.analyst"),
             "director": N_("directory.role.director")}
SETTING_LABELS = [("url", "LDAP_URL"), ("start_tls", "LDAP_START_TLS"), ("base_dn", "LDAP_BASE_DN"),
                  ("bind_dn", "LDAP_BIND_DN"), ("user_filter", "LDAP_USER_FILTER"),
                  ("groups", "LDAP_GROUP_ATTR / LDAP_GROUP_FILTER"), ("ca_file", "LDAP_CA_FILE")]


def _connection():
    with read_session() as s:
        values = directory_groups.settings(ui.acting_user(s))
    if not values["url"]:
        return dbc.Alert(_("directory.off"), color="secondary", id=f"{P}-off")
    rows = [html.Tr([html.Th(html.Code(env), className="small"), html.Td(str(values[key]) if values[key] else "—")])
            for key, env in SETTING_LABELS]
    return html.Div([dbc.Table(html.Tbody(rows), size="sm", responsive=True, className="mb-2"),
                     dbc.Button(_("directory.test"), id=f"{P}-test", color="secondary", outline=True),
                     dcc.Loading(html.Div(id=f"{P}-test-result", className="mt-2"))])


def _table():
    with read_session() as s:
        teams = {t["value"]: t["label"] for t in lookups.teams(s)}
        rows = directory_groups.groups(s, ui.acting_user(s))
        if not rows:
            return html.P(_("directory.none"), className="text-muted", id=f"{P}-table")
        body = [html.Tr([html.Td(html.Code(g.group_dn)), html.Td(_(ROLE_KEYS[g.role])),
                         html.Td(teams.get(g.team_id, "—")), ui.row_buttons(P, g.id)]) for g in rows]
        head = html.Thead(html.Tr([html.Th(_(LABELS[k])) for k in ("group_dn", "role", "team")] + [html.Th("")]))
        return dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, hover=True, id=f"{P}-table")


def _form():
    with read_session() as s:
        teams = lookups.teams(s)
    roles = [{"value": r, "label": _(ROLE_KEYS[r])} for r in ROLES]
    return ui.form_card(P, dbc.Row([
        ui.labelled(P, "group_dn", _(LABELS["group_dn"]), ui.text_input(P, "group_dn",
                    placeholder="CN=Okno Agents,OU=Groups,DC=corp,DC=example"), 6, _("directory.group_dn_help")),
        ui.labelled(P, "role", _(LABELS["role"]), ui.select(P, "role", roles), 3),
        ui.labelled(P, "team", _(LABELS["team"]), ui.select(P, "team", teams), 3)]))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([
        breadcrumb(N_("directory.title")), html.H3(_("directory.title")),
        html.P(_("directory.help"), className="text-muted"),
        html.H5(_("directory.connection")), _connection(),
        html.H5(_("directory.mapping"), className="mt-4"), html.P(_("directory.mapping_help"), className="text-muted small"),
        html.Div(_table(), id=f"{P}-list"), _form(), dcc.Store(id=f"{P}-id"),
    ], id="admin-directory")


def _to_form(g: DirectoryGroup | None) -> dict:
    return {} if g is None else {"group_dn": g.group_dn, "role": g.role, "team": str(g.team_id or "")}


def _save(session, actor, group_id, v):
    g = directory_groups.save_group(session, actor, group_id, group_dn=v.get("group_dn"), role=v.get("role"),
                                    team_id=ui.as_int(v.get("team")))
    return g.id, g.group_dn


ui.register_save(P, _save, LABELS, _table, has_multi=False)
ui.register_editing(P, DirectoryGroup, _to_form, directory_groups.delete_group, _table, has_multi=False)


@callback(Output(f"{P}-test-result", "children"), Input(f"{P}-test", "n_clicks"), prevent_initial_call=True)
def test_connection(n):
    if not n:
        raise PreventUpdate
    try:
        with read_session() as s:
            problem = directory_groups.check_connection(ui.acting_user(s))
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{P}-test-failed")
    if problem is None:
        return dbc.Alert(_("directory.test_ok"), color="success", id=f"{P}-test-ok")
    return dbc.Alert([_("directory.test_failed"), html.Br(), html.Code(problem)], color="danger",
                     id=f"{P}-test-failed")
