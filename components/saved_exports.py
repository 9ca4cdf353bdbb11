"""Export controls for the ticket list: choose columns and format, watch progress, saved exports.

The page includes `export_bar()` and keeps its filter in the `tickets-filter` store. An export
is a job row (data/exports/jobs.py); the browser downloads /exports/jobs/<id>/download while an
interval polls the job's progress — any gunicorn worker can answer either request.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from flask_login import current_user

from data.exports import excel, jobs as exports
from data.tickets import query as ticket_query
from data.db import read_session, session_scope
from data.errors import OknoError

from components.i18n import _, current_locale, error_message

X = "exports"  # component id prefix
FILTER_STORE = "tickets-filter"


def _n(value: int | None) -> str:
    return f"{value or 0:,}".replace(",", " ")


def _saved_items() -> list:
    user = current_user._get_current_object()
    with read_session() as s:
        rows = exports.saved(s, user)
        items = [dbc.DropdownMenuItem([html.I(className="bi bi-play-circle me-1"), r.name,
                                       html.Small(f" · {r.format.upper()}", className="text-muted")],
                                      id={"type": f"{X}-saved-run", "id": r.id}, n_clicks=0) for r in rows]
    return items or [dbc.DropdownMenuItem(_("exports.saved_none"), disabled=True)]


def _saved_list() -> list:
    """The saved exports with a delete button each (inside the export form)."""
    user = current_user._get_current_object()
    with read_session() as s:
        rows = [(r.id, r.name, r.format) for r in exports.saved(s, user)]
    return [html.Span([name, html.Small(f" {fmt.upper()}", className="text-muted"),
                       dbc.Button("×", id={"type": f"{X}-saved-delete", "id": i}, n_clicks=0, color="link",
                                  size="sm", className="p-0 ms-1 text-danger", title=_("exports.delete"))],
                      className="badge text-bg-light border me-1") for i, name, fmt in rows]


def excel_options() -> list[dict]:
    return [{"value": excel.EXCEL_RU, "label": _("exports.excel_ru")},
            {"value": excel.PLAIN, "label": _("exports.plain_csv")}]


def export_bar():
    headers = ticket_query.export_header(ticket_query.EXPORT_COLUMNS, current_locale())
    column_options = [{"value": c, "label": h} for c, h in zip(ticket_query.EXPORT_COLUMNS, headers)]
    form = dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col([dbc.Label(_("exports.columns")),
                 dcc.Dropdown(id=f"{X}-columns", options=column_options, value=list(ticket_query.EXPORT_COLUMNS),
                              multi=True)], md=6),
        dbc.Col([dbc.Label(_("exports.format")),
                 dbc.RadioItems(id=f"{X}-format", value="csv", inline=True,
                                options=[{"value": "csv", "label": "CSV"}, {"value": "xlsx", "label": "XLSX"}]),
                 # The CSV's dialect: for Russian Excel (`;`, decimal comma, dd.mm.yyyy) or plain (scripts).
                 dbc.RadioItems(id=f"{X}-excel", value=excel.default_for(current_locale()), className="small",
                                options=excel_options(), labelClassName="text-nowrap")], md=2),
        dbc.Col([dbc.Button([html.I(className="bi bi-download me-1"), _("exports.run")], id=f"{X}-run",
                            color="primary", size="sm", className="me-2 mt-4")], md=1),
        dbc.Col([dbc.Label(_("exports.save_name"), html_for=f"{X}-name"),
                 dbc.InputGroup([dbc.Input(id=f"{X}-name", size="sm", maxLength=120),
                                 dbc.Button(_("exports.save"), id=f"{X}-save", size="sm", color="secondary")])],
                md=3),
        dbc.Col(html.Div(_saved_list(), id=f"{X}-saved-list", className="small"), md=12),
    ], className="g-2")), className="mb-2")
    return html.Div([
        html.Div([
            dbc.Button([html.I(className="bi bi-filetype-xlsx me-1"), _("exports.open")], id=f"{X}-toggle",
                       color="outline-primary", size="sm", className="me-2"),
            dbc.DropdownMenu(_saved_items(), id=f"{X}-saved", label=_("exports.saved"), size="sm",
                             color="light", className="me-2"),
            html.Div(id=f"{X}-status", className="small text-muted flex-grow-1"),
        ], className="d-flex align-items-center mb-2"),
        dbc.Collapse(form, id=f"{X}-form", is_open=False),
        dbc.Progress(id=f"{X}-progress", value=0, style={"display": "none"}, className="mb-2", striped=True,
                     animated=True),
        dcc.Store(id=f"{X}-job"), dcc.Store(id=f"{X}-fired"),
        dcc.Interval(id=f"{X}-poll", interval=1000, disabled=True),
    ], id=f"{X}-bar")


@callback(Output(f"{X}-form", "is_open"), Input(f"{X}-toggle", "n_clicks"), State(f"{X}-form", "is_open"),
          prevent_initial_call=True)
def toggle(_n_clicks, is_open):
    return not is_open


@callback(Output(f"{X}-job", "data"), Output(f"{X}-status", "children", allow_duplicate=True),
          Output(f"{X}-poll", "disabled", allow_duplicate=True),
          Input(f"{X}-run", "n_clicks"), Input({"type": f"{X}-saved-run", "id": ALL}, "n_clicks"),
          State(FILTER_STORE, "data"), State(f"{X}-columns", "value"), State(f"{X}-format", "value"),
          State(f"{X}-excel", "value"), prevent_initial_call=True)
def start(_run, _saved, query, columns, fmt, dialect=None):
    """Create the job; the clientside callback then starts the download and the interval polls it."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        return dash.no_update, dash.no_update, dash.no_update  # a menu item re-rendered, not clicked
    user = current_user._get_current_object()
    try:
        with session_scope() as s:
            if isinstance(trigger, dict):
                job = exports.run_saved(s, user, int(trigger["id"]))
            else:
                job = exports.start(s, user, query=query or {}, columns=columns, fmt=fmt or "csv")
            job_id, total = job.id, job.rows_total
    except OknoError as err:
        return dash.no_update, dbc.Alert(error_message(err), color="danger", className="py-1 mb-0"), True
    return ({"id": job_id, "url": f"/exports/jobs/{job_id}/download?excel={excel.mode(dialect)}"},
            _("exports.started", total=_n(total)), False)


clientside_callback(ClientsideFunction("okno_exports", "download"), Output(f"{X}-fired", "data"),
                    Input(f"{X}-job", "data"), prevent_initial_call=True)


@callback(Output(f"{X}-progress", "value"), Output(f"{X}-progress", "label"), Output(f"{X}-progress", "style"),
          Output(f"{X}-status", "children"), Output(f"{X}-poll", "disabled"),
          Input(f"{X}-poll", "n_intervals"), State(f"{X}-job", "data"), prevent_initial_call=True)
def poll(_ticks, job):
    """The job row's progress, read from PostgreSQL (any worker can answer)."""
    if not job:
        return 0, "", {"display": "none"}, dash.no_update, True
    try:
        with read_session() as s:
            st = exports.status(s, current_user._get_current_object(), int(job["id"]))
    except OknoError as err:
        return 0, "", {"display": "none"}, error_message(err), True
    shown = {"display": "flex"}
    if st["state"] == "done":
        return 100, "100%", shown, _("exports.done", done=_n(st["rows_done"])), True
    if st["state"] == "failed":
        return st["percent"], "", shown, _("exports.failed", error=st["error"] or "?"), True
    text = _("exports.progress", done=_n(st["rows_done"]), total=_n(st["rows_total"]))
    return st["percent"], f"{st['percent']}%", shown, text, False


@callback(Output(f"{X}-saved", "children"), Output(f"{X}-saved-list", "children"),
          Output(f"{X}-status", "children", allow_duplicate=True),
          Input(f"{X}-save", "n_clicks"), Input({"type": f"{X}-saved-delete", "id": ALL}, "n_clicks"),
          State(f"{X}-name", "value"), State(FILTER_STORE, "data"),
          State(f"{X}-columns", "value"), State(f"{X}-format", "value"), prevent_initial_call=True)
def save(_n_clicks, _deletes, name, query, columns, fmt):
    """Save the current filter and columns under a name, or delete a saved export."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        return dash.no_update, dash.no_update, dash.no_update
    if trigger == f"{X}-save" and not (name or "").strip():
        return dash.no_update, dash.no_update, dbc.Alert(_("exports.name_required"), color="warning",
                                                         className="py-1 mb-0")
    user = current_user._get_current_object()
    try:
        with session_scope() as s:
            if isinstance(trigger, dict):
                exports.delete_saved(s, user, int(trigger["id"]))
                message = _("exports.deleted")
            else:
                row = exports.save(s, user, name=name, query=query or {}, columns=columns, fmt=fmt or "csv")
                message = _("exports.saved_ok", name=row.name)
    except OknoError as err:
        return dash.no_update, dash.no_update, dbc.Alert(error_message(err), color="danger", className="py-1 mb-0")
    return _saved_items(), _saved_list(), message
