"""`/admin/audit`: the audit log. Filters, a paged table with before → after (changed keys only), CSV
of the filtered set. Admins only: the page guard hides it, data/audit checks again on every read."""
from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from components import admin_form as af
from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _
from data import audit
from data.config import company_tz
from data.db import read_session
from data.errors import OknoError

dash.register_page(__name__, path="/admin/audit", title="Okno · Audit")
P = "admin-audit"
ANY = "*"  # "any" in a select (dbc.Select keeps "" for its own placeholder)
LONG = 160  # characters of a value shown in the table; the CSV has it whole


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= LONG else text[:LONG] + "…"


def _changes(changes) -> html.Ul | str:
    if not changes:
        return ""
    return html.Ul([html.Li([html.Code(key), ": ", html.Span(_value(before), className="text-danger"), " → ",
                             html.Span(_value(after), className="text-success")]) for key, before, after in changes],
                   className="mb-0 ps-3 small audit-changes")


def _table(result: dict):
    if not result["rows"]:
        return html.P(_("audit.empty"), className="text-muted", id=f"{P}-empty")
    tz = company_tz()
    head = html.Thead(html.Tr([html.Th(_(k)) for k in (N_("audit.at"), N_("audit.actor"), N_("audit.address"),
                                                       N_("audit.action"), N_("audit.object"), N_("audit.changes"))]))
    body = html.Tbody([html.Tr([
        html.Td(r["at"].astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), className="text-nowrap small"),
        html.Td(r["actor"], className="small"), html.Td(r["address"], className="small"),
        html.Td(html.Code(r["action"])),
        html.Td([r["object_type"], f" #{r['object_id']}" if r["object_id"] else "", html.Br() if r["object"] else "",
                 html.Span(r["object"], className="text-muted")], className="small"),
        html.Td(_changes(r["changes"]))], className="audit-row") for r in result["rows"]])
    return dbc.Table([head, body], size="sm", hover=True, responsive=True, id=f"{P}-table")


def _options(values, labels=None) -> list[dict]:
    return [{"label": _("audit.any"), "value": ANY}] + [
        {"label": (labels or {}).get(v, v), "value": str(v)} for v in values]


def _filters(date_from, date_to, actor, action, object_type, text) -> dict:
    chosen = {"date_from": date_from, "date_to": date_to, "actor": actor, "action": action,
              "object_type": object_type, "text": text}
    return {k: v for k, v in chosen.items() if v not in (None, "", ANY)}


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    with read_session() as s:
        first = audit.query(s, af.user(), {}, 1)
    actors = {a["value"]: a["label"] for a in first["actors"]}
    return html.Div([
        breadcrumb("admin.audit"), html.H3(_("admin.audit")),
        html.P(_("audit.help"), className="text-muted"),
        dbc.Row([
            af.row(N_("audit.date_from"), dbc.Input(id=f"{P}-from", type="date"), md=2),
            af.row(N_("audit.date_to"), dbc.Input(id=f"{P}-to", type="date"), md=2),
            af.row(N_("audit.actor"), dbc.Select(id=f"{P}-actor", options=_options(list(actors), actors), value=ANY),
                   md=3),
            af.row(N_("audit.action"), dbc.Select(id=f"{P}-action", options=_options(first["actions"]), value=ANY),
                   md=2),
            af.row(N_("audit.object_type"), dbc.Select(id=f"{P}-type", options=_options(first["object_types"]),
                                                       value=ANY), md=3),
        ]),
        dbc.Row([
            af.row(N_("audit.text"), dbc.Input(id=f"{P}-text", debounce=True, placeholder=_("audit.text_help")), md=6),
            dbc.Col([dbc.Button(_("audit.csv"), id=f"{P}-csv", color="secondary", outline=True, className="mt-4"),
                     dcc.Download(id=f"{P}-download")], md=3),
        ]),
        html.Div(id=f"{P}-error"),
        html.Div(_table(first), id=f"{P}-list"),
        html.Div([dbc.Button(_("audit.prev"), id=f"{P}-prev", size="sm", outline=True, className="me-2"),
                  html.Span(_("audit.page", page=first["page"], pages=first["pages"], total=first["total"]),
                            id=f"{P}-pageinfo", className="small text-muted"),
                  dbc.Button(_("audit.next"), id=f"{P}-next", size="sm", outline=True, className="ms-2")],
                 className="my-2"),
        dcc.Store(id=f"{P}-page", data=1),
    ], id="admin-audit")


_FILTER_STATES = [State(f"{P}-{name}", "value") for name in ("from", "to", "actor", "action", "type", "text")]


@callback(Output(f"{P}-list", "children"), Output(f"{P}-pageinfo", "children"), Output(f"{P}-page", "data"),
          Output(f"{P}-error", "children"),
          *[Input(f"{P}-{name}", "value") for name in ("from", "to", "actor", "action", "type", "text")],
          Input(f"{P}-prev", "n_clicks"), Input(f"{P}-next", "n_clicks"), State(f"{P}-page", "data"),
          prevent_initial_call=True)
def refresh(date_from, date_to, actor, action, object_type, text, _prev, _next, page):
    step = {f"{P}-prev": -1, f"{P}-next": 1}.get(ctx.triggered_id)
    page = max(1, (page or 1) + step) if step else 1  # a new filter starts at the first page
    try:
        with read_session() as s:
            result = audit.query(s, af.user(), _filters(date_from, date_to, actor, action, object_type, text), page)
    except OknoError as err:
        return dash.no_update, dash.no_update, dash.no_update, af.result(err, alert_id=f"{P}-refused")
    return (_table(result), _("audit.page", page=result["page"], pages=result["pages"], total=result["total"]),
            result["page"], None)


@callback(Output(f"{P}-download", "data"), Output(f"{P}-error", "children", allow_duplicate=True),
          Input(f"{P}-csv", "n_clicks"), *_FILTER_STATES, prevent_initial_call=True)
def download(n_clicks, date_from, date_to, actor, action, object_type, text):
    if not n_clicks:
        raise PreventUpdate
    try:
        with read_session() as s:
            body = "".join(audit.export_csv(s, af.user(), _filters(date_from, date_to, actor, action, object_type, text)))
    except OknoError as err:
        return dash.no_update, af.result(err, alert_id=f"{P}-refused")
    return dcc.send_string("\ufeff" + body, "okno-audit.csv", type="text/csv"), None
