"""`/admin/users`: staff accounts — add, edit name/email/role/team, switch off and on, reset a password
(services in data/identity/staff_admin.py; each change is audited there). Directory users are marked
and have no password to reset."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import sla_admin as ui
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError
from data.identity import staff_admin
from data.models import ROLES

dash.register_page(__name__, path="/admin/users", title="Okno · Users")

P = "usr"
LABELS = {"name": N_("users.name"), "email": N_("users.email"), "role": N_("directory.role"),
          "team": N_("directory.team")}


def role_label(role: str) -> str:
    return _(f"directory.role.{role}")  # the ids are marked in pages/admin/directory.py


def _actions(u: dict):
    reset = dbc.Button(_("users.reset"), id={"type": f"{P}-reset", "id": u["id"]}, size="sm", color="link",
                       disabled=u["directory"], title=_("users.directory_password") if u["directory"] else None)
    switch = dbc.Button(_("users.deactivate") if u["active"] else _("users.activate"),
                        id={"type": f"{P}-active", "id": u["id"], "on": 0 if u["active"] else 1}, size="sm",
                        color="link", className="text-danger" if u["active"] else "")
    return html.Td([dbc.Button(_("slaadmin.edit"), id={"type": f"{P}-edit", "id": u["id"]}, size="sm", color="link"),
                    reset, switch], className="text-nowrap")


def _table():
    with read_session() as s:
        rows = staff_admin.users(s, ui.acting_user(s))
    body = [html.Tr([
        html.Td(u["name"]), html.Td(u["email"]), html.Td(role_label(u["role"])), html.Td(u["team"] or "—"),
        html.Td(html.Span(_("users.directory"), className="badge text-bg-info") if u["directory"]
                else html.Span(_("users.local"), className="text-muted small")),
        html.Td(html.Span(_("users.active"), className="badge text-bg-success") if u["active"]
                else html.Span(_("users.inactive"), className="badge text-bg-secondary")),
        _actions(u)], className="" if u["active"] else "text-muted", **{"data-email": u["email"]}) for u in rows]
    head = html.Thead(html.Tr([html.Th(_(k)) for k in (*LABELS.values(), N_("users.sign_in"), N_("users.status"))]
                              + [html.Th("")]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id=f"{P}-table")


def _form():
    with read_session() as s:
        teams = lookups.teams(s)
    roles = [{"value": r, "label": role_label(r)} for r in ROLES]
    return ui.form_card(P, dbc.Row([
        ui.labelled(P, "name", _(LABELS["name"]), ui.text_input(P, "name"), 3),
        ui.labelled(P, "email", _(LABELS["email"]), ui.text_input(P, "email", type="email"), 3),
        ui.labelled(P, "role", _(LABELS["role"]), ui.select(P, "role", roles), 3),
        ui.labelled(P, "team", _(LABELS["team"]), ui.select(P, "team", teams), 3)]),
        html.P(_("users.new_help"), className="small text-muted"))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([
        breadcrumb(N_("users.title")), html.H3(_("users.title")), html.P(_("users.help"), className="text-muted"),
        html.Div(id=f"{P}-notice"), html.Div(_table(), id=f"{P}-list"), _form(), dcc.Store(id=f"{P}-id"),
    ], id="admin-users")


def _password_notice(name: str, password: str):
    return dbc.Alert([html.Div(_("users.password_once", name=name)), html.Code(password, id=f"{P}-password",
                                                                               className="fs-5 user-select-all")],
                     color="info", id=f"{P}-password-notice", dismissable=True)


@callback(Output(f"{P}-feedback", "children"), Output(f"{P}-list", "children"), Output(f"{P}-id", "data"),
          Output(ui.all_fields(P), "invalid"), Output(f"{P}-notice", "children"),
          Input(f"{P}-save", "n_clicks"), State(ui.all_fields(P), "value"), State(f"{P}-id", "data"),
          prevent_initial_call=True)
def save(_n, _values, user_id):
    v = ui.form_values(0)
    try:
        with session_scope() as s:
            user, password = staff_admin.save(s, ui.acting_user(s), user_id, name=v.get("name"), email=v.get("email"),
                                              role=v.get("role") or None, team_id=ui.as_int(v.get("team")))
            saved_id, name = user.id, user.name
    except OknoError as err:
        return ui.problem(err, {k: _(x) for k, x in LABELS.items()}), no_update, no_update, \
            ui.invalid_flags(err, 3), no_update
    notice = _password_notice(name, password) if password else no_update
    return ui.saved(_("slaadmin.saved", name=name)), _table(), saved_id, ui.invalid_flags(None, 3), notice


@callback(Output(ui.all_fields(P), "value"), Output(f"{P}-id", "data", allow_duplicate=True),
          Output(f"{P}-list", "children", allow_duplicate=True), Output(f"{P}-notice", "children", allow_duplicate=True),
          Input({"type": f"{P}-edit", "id": ALL}, "n_clicks"), Input({"type": f"{P}-reset", "id": ALL}, "n_clicks"),
          Input({"type": f"{P}-active", "id": ALL, "on": ALL}, "n_clicks"), Input(f"{P}-new", "n_clicks"),
          prevent_initial_call=True)
def row_action(_edits, _resets, _switches, _new):
    """Edit fills the form; reset shows a new password once; the switch turns the account off or on."""
    if not ctx.triggered or not ctx.triggered[0].get("value") or not allowed("admin"):
        raise PreventUpdate  # just drawn, not clicked (the services check the role again)
    trigger = ctx.triggered_id
    blank, keep = ui.fill({}), [no_update] * len(ctx.outputs_list[0])  # a wildcard output takes a list
    if not isinstance(trigger, dict):  # New
        return blank, None, no_update, None
    try:
        with session_scope() as s:
            actor = ui.acting_user(s)
            if trigger["type"] == f"{P}-edit":
                u = staff_admin.get(s, actor, trigger["id"])
                return ui.fill({"name": u.name, "email": u.email, "role": u.role, "team": str(u.team_id or "")}), \
                    u.id, no_update, None
            if trigger["type"] == f"{P}-reset":
                password = staff_admin.reset_password(s, actor, trigger["id"])
                return keep, no_update, no_update, _password_notice(staff_admin.get(s, actor, trigger["id"]).name,
                                                                         password)
            user = staff_admin.set_active(s, actor, trigger["id"], bool(trigger["on"]))
            text = _("users.activated", name=user.name) if user.is_active else _("users.deactivated", name=user.name)
    except OknoError as err:
        return keep, no_update, no_update, ui.problem(err, {})
    return keep, no_update, _table(), ui.saved(text)
