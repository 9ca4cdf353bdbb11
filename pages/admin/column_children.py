"""`/admin/column-children?column=C`: child cards created when a card enters a column (the new hire's
"offer accepted" → payroll, accounting, admins), all at once or as a chain."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from components import admin_form as af, schema_builder as sb
from components.admin_form import choice
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _
from data.catalog import admin as catalog_admin
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import OknoError

dash.register_page(__name__, path="/admin/column-children", title="Okno · Column child cards")
P = "admin-col"
KIND = "colchild"


def layout(column=None, **_kw):
    if not allowed("admin"):
        return denied()
    column_id = af.as_int(column)
    with read_session() as s:
        columns = af.select_options(lookups.columns(s))
        agents, boards = lookups.agents(s), lookups.boards(s)
        fan = catalog_admin.column_fanout(s, af.user(), column_id) if column_id else None
        children, mode = (fan.children, fan.children_mode) if fan else ([], "parallel")
    editor = html.Div([
        af.row(N_("admin.children_mode"), dbc.RadioItems(id=f"{P}-mode", value=mode, inline=True, options=[
            {"label": _(f"admin.mode.{m}"), "value": m} for m in ("parallel", "chain")])),
        html.Div(sb.child_rows(children, agents, boards, KIND), id=f"{P}-children"),
        dbc.Button([html.I(className="bi bi-plus me-1"), _("admin.add_child")], id=f"{P}-add", size="sm",
                   color="secondary", outline=True),
        html.Div(id=f"{P}-result", className="mt-3"),
        dbc.Button(_("admin.save"), id=f"{P}-save", color="primary", className="mt-2"),
    ]) if column_id else None
    return html.Div([breadcrumb("admin.column_children"), html.H3(_("admin.column_children")),
                     html.P(_("admin.column_children_help"), className="text-muted"), dcc.Location(id=f"{P}-go"),
                     af.row(N_("admin.column_pick"), dbc.Select(id=f"{P}-column", options=columns,
                                                                value=choice(column_id)), md=6),
                     editor])


@callback(Output(f"{P}-go", "href"), Input(f"{P}-column", "value"), prevent_initial_call=True)
def column_chosen(column_id):
    return f"/admin/column-children?column={column_id}" if af.as_int(column_id) else "/admin/column-children"


@callback(Output(f"{P}-children", "children"), Input(f"{P}-add", "n_clicks"),
          Input({"type": f"admin-{KIND}-remove", "i": ALL}, "n_clicks"), *sb.states(KIND, sb.CHILD_PARTS),
          prevent_initial_call=True)
def edit_children(_add, _removes, *values):
    children = sb.edit_rows(sb.children_from(*values), f"{P}-add", {"title": "{title}"})
    with read_session() as s:
        return sb.child_rows(children, lookups.agents(s), lookups.boards(s), KIND)


@callback(Output(f"{P}-result", "children"), Input(f"{P}-save", "n_clicks"), State(f"{P}-column", "value"),
          State(f"{P}-mode", "value"), *sb.states(KIND, sb.CHILD_PARTS), prevent_initial_call=True)
def save(_n, column_id, mode, *values):
    try:
        with session_scope() as s:
            catalog_admin.save_column_fanout(s, af.user(), af.as_int(column_id), sb.children_from(*values), mode)
    except OknoError as err:
        return af.result(err, alert_id=f"{P}-error")
    return af.result(None)
