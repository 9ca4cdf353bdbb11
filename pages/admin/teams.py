"""`/admin/teams`: teams with their support line, lead and members (services in data/identity/teams_admin.py;
each change is audited there). Members are picked from the staff list; a user belongs to one team."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.orm import object_session

from components import sla_admin as ui
from components.guard import allowed, denied
from components.admin_nav import breadcrumb
from components.i18n import N_, _
from data.db import read_session
from data.identity import staff_admin, teams_admin

dash.register_page(__name__, path="/admin/teams", title="Okno · Teams")

P = "team"
LABELS = {"name": N_("teams.name"), "line_level": N_("teams.line"), "lead": N_("teams.lead"),
          "members": N_("teams.members")}


def _line(level) -> str:
    return _("teams.line_n", n=level) if level else "—"


def _table():
    with read_session() as s:
        rows = teams_admin.teams(s, ui.acting_user(s))
    body = [html.Tr([html.Td(t["name"]), html.Td(_line(t["line_level"])), html.Td(t["lead"] or "—"),
                     html.Td(", ".join(m["name"] for m in t["members"]) or "—", className="small"),
                     # A team with boards can't be deleted (they would become everyone's): no Delete button.
                     ui.row_buttons(P, t["id"]) if not t["boards"] else
                     html.Td(ui.row_buttons(P, t["id"]).children[0], title=_("teams.has_boards"))],
                    **{"data-team": t["name"]}) for t in rows]
    head = html.Thead(html.Tr([html.Th(_(LABELS[k])) for k in ("name", "line_level", "lead", "members")] +
                              [html.Th("")]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, id=f"{P}-table")


def _form():
    with read_session() as s:
        people = [{"value": u["id"], "label": u["name"]} for u in staff_admin.users(s, ui.acting_user(s)) if u["active"]]
    levels = [{"value": n, "label": _line(n)} for n in teams_admin.LINE_LEVELS]
    return ui.form_card(P, dbc.Row([
        ui.labelled(P, "name", _(LABELS["name"]), ui.text_input(P, "name"), 4),
        ui.labelled(P, "line_level", _(LABELS["line_level"]), ui.select(P, "line_level", levels), 2,
                    _("teams.line_help")),
        ui.labelled(P, "lead", _(LABELS["lead"]), ui.select(P, "lead", people), 6),
        ui.labelled(P, "members", _(LABELS["members"]), ui.multi(P, "members", people), 12,
                    _("teams.members_help"))]))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([
        breadcrumb(N_("teams.title")), html.H3(_("teams.title")), html.P(_("teams.help"), className="text-muted"),
        html.Div(_table(), id=f"{P}-list"), _form(), dcc.Store(id=f"{P}-id")], id="admin-teams")


def _to_form(t) -> dict:
    if t is None:
        return {"members": []}
    return {"name": t.name, "line_level": str(t.line_level or ""), "lead": str(t.lead_id or ""),
            "members": teams_admin.member_ids(object_session(t), t.id)}


def _save(session, actor, team_id, v):
    t = teams_admin.save(session, actor, team_id, name=v.get("name"), line_level=ui.as_int(v.get("line_level")),
                         lead_id=ui.as_int(v.get("lead")), members=v.get("members") or [])
    return t.id, t.name


ui.register_save(P, _save, LABELS, _table)
ui.register_editing(P, teams_admin.get, _to_form, teams_admin.delete, _table)
