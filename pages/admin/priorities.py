"""`/admin/priorities`: the ordered, coloured priority list (used by SLA policies and board sorting)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, html
from dash.exceptions import PreventUpdate

from components import sla_admin as ui
from components.guard import allowed, denied
from components.i18n import N_, _
from data.tickets import priorities
from data.db import read_session, session_scope
from data.models import Priority

dash.register_page(__name__, path="/admin/priorities", title="Okno · Priorities")

P = "prio"
LABELS = {"name_ru": N_("slaadmin.name_ru"), "name_en": N_("slaadmin.name_en"), "color": N_("slaadmin.color")}


def _table():
    with read_session() as s:
        rows = priorities.ordered(s)
        if not rows:
            return html.Div([html.P(_("slaadmin.none"), className="text-muted"),
                             dbc.Button(_("slaadmin.defaults"), id=f"{P}-defaults", color="secondary")])
        body = [html.Tr([html.Td(html.Span(className="okno-swatch d-inline-block rounded",
                                           style={"background": p.color, "width": "1.2rem", "height": "1.2rem"})),
                         html.Td(p.name_ru), html.Td(p.name_en), html.Td(p.code, className="text-muted small"),
                         ui.row_buttons(P, p.id, [
                             dbc.Button("↑", id={"type": f"{P}-move", "id": p.id, "dir": -1}, size="sm", color="link",
                                        title=_("slaadmin.up")),
                             dbc.Button("↓", id={"type": f"{P}-move", "id": p.id, "dir": 1}, size="sm", color="link",
                                        title=_("slaadmin.down"))])]) for p in rows]
        head = html.Thead(html.Tr([html.Th(""), html.Th(_("slaadmin.name_ru")), html.Th(_("slaadmin.name_en")),
                                   html.Th("code"), html.Th("")]))
        return html.Div([dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, hover=True, id=f"{P}-table"),
                         html.Div(id=f"{P}-defaults", hidden=True)])


def _form():
    def f(key, label, comp, w=4):
        return ui.labelled(P, key, _(label), comp, w)
    return ui.form_card(P, dbc.Row([f("name_ru", N_("slaadmin.name_ru"), ui.text_input(P, "name_ru")),
                                    f("name_en", N_("slaadmin.name_en"), ui.text_input(P, "name_en")),
                                    f("color", N_("slaadmin.color"), ui.text_input(P, "color", type="color",
                                                                               value="#0d6efd"), 2)]))


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return ui.page(P, "/admin/priorities", N_("slaadmin.priorities"), _table(), _form())


def _to_form(p: Priority | None) -> dict:
    return {"color": "#0d6efd"} if p is None else {"name_ru": p.name_ru, "name_en": p.name_en, "color": p.color}


def _save(session, actor, priority_id, v):
    p = priorities.save(session, actor, priority_id, name_ru=v.get("name_ru"), name_en=v.get("name_en"),
                        color=v.get("color"))
    return p.id, p.label("en")


ui.register_save(P, _save, LABELS, _table, has_multi=False)
ui.register_editing(P, priorities.get, _to_form, priorities.delete, _table, has_multi=False)


@callback(Output(f"{P}-list", "children", allow_duplicate=True),
          Input({"type": f"{P}-move", "id": ALL, "dir": ALL}, "n_clicks"), Input(f"{P}-defaults", "n_clicks"),
          prevent_initial_call=True)
def reorder(_moves, _defaults):
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    trigger = ctx.triggered_id
    with session_scope() as s:
        if isinstance(trigger, dict):
            priorities.move(s, ui.acting_user(s), trigger["id"], trigger["dir"])
        else:
            priorities.ensure_defaults(s, ui.acting_user(s))
    return _table()
