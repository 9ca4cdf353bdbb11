"""`/tickets`: every ticket, filtered and sorted on the server, exported as CSV.

The filters live in the URL (a link reproduces the view). The grid uses AG Grid's infinite
row model: it asks for blocks of 100 rows as the user scrolls, so a million tickets stay fast.
"""
from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import N_, _, current_locale, error_message
from data.i18n import word_form
from components.bulk_bar import bulk_bar  # select rows, then assign / move / prioritise / close / tag them
from components.phone import folding_filters
from components.saved_exports import export_bar  # exports: columns, XLSX, progress, saved exports
from components.view_picker import view_picker  # saved views: named filters, private or shared with a team
from data.catalog import lookups
from data.exports import excel
from data.intake import answers
from data.tickets import query as ticket_query
from data.tickets import saved_views
from data.errors import OknoError
from data.config import get_config
from data.db import read_session
from data.models import CHANNELS, COLUMN_KINDS
from data.permissions import STAFF_WRITERS

dash.register_page(__name__, path="/tickets", title="Okno · Tickets")

P = "tickets"  # component id prefix for this page
DROPDOWNS = [("service", N_("tickets.service")), ("type", N_("tickets.type")), ("status", N_("tickets.status")),
             ("column", N_("tickets.column")), ("assignee", N_("tickets.assignee")),
             ("priority", N_("tickets.priority")), ("channel", N_("tickets.channel")), ("sla", N_("tickets.sla"))]
# Checkboxes on the rows for bulk actions; "select all on this page" is the bulk bar's button (the infinite
# row model has no header checkbox). A click on a row's cells opens nothing and selects nothing.
ROW_SELECTION = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": False, "enableClickSelection": False}
SLA_LABELS = {"at_risk": N_("board.sla_at_risk"), "breached": N_("board.sla_breached"),
              "due_today": N_("tickets.sla_due_today")}
TICKET_WORD, TICKET_WORD_ABOUT = N_("tickets.word"), N_("tickets.word.about")  # "3 tickets"; "about 1,001 tickets"


def _options(locale: str) -> dict[str, list[dict]]:
    with read_session() as s:
        return {
            "service": lookups.services(s), "type": lookups.request_types(s), "column": lookups.columns(s),
            "assignee": [{"value": 0, "label": _("tickets.unassigned")}] + lookups.agents(s),
            "priority": [{"value": p["value"], "label": p["label"]} for p in lookups.priorities(s, locale)],
            "status": [{"value": k, "label": _(f"status.{k}")} for k in COLUMN_KINDS],
            "channel": [{"value": c, "label": _(f"channel.{c}")} for c in CHANNELS],
            "sla": [{"value": c, "label": _(label)} for c, label in SLA_LABELS.items()],
        }


def _column_defs(show_fields: bool = False) -> list[dict]:
    def col(field, key, **extra):
        return {"field": field, "headerName": _(key), "sortable": True, **extra}
    return [
        col("number_link", N_("tickets.number"), colId="number", width=95, cellRenderer="markdown"),
        col("title", N_("tickets.subject"), flex=3, minWidth=260),
        col("tags", N_("tickets.tags"), sortable=False, width=170, cellRenderer="OknoTags"),
        col("form_fields", N_("tickets.form_fields"), sortable=False, flex=3, minWidth=260, hide=not show_fields,
            tooltipField="form_fields"),
        col("service", N_("tickets.service"), flex=1, minWidth=140),
        col("type", N_("tickets.type"), flex=1, minWidth=170),
        col("status_label", N_("tickets.status"), colId="status", width=120),
        col("column", N_("tickets.column"), width=140),
        col("priority_name", N_("tickets.priority"), colId="priority", width=130),
        col("due", N_("tickets.due"), colId="sla_due_at", width=150, headerTooltip=_("tickets.due_hint")),
        col("assignee", N_("tickets.assignee"), flex=1, minWidth=150),
        col("requester", N_("tickets.requester"), flex=1, minWidth=150),
        col("channel_label", N_("tickets.channel"), colId="channel", width=110),
        col("created", N_("tickets.created"), colId="created_at", width=150, sort="desc"),
        col("resolved", N_("tickets.resolved"), colId="resolved_at", width=150),
    ]


def _saved_view(query: dict) -> tuple[dict, str | None, str | None]:
    """/tickets?view=<id>: the saved view's filters replace the URL's; (query, its name, a refusal)."""
    if not query.get("view"):
        return query, None, None
    user = current_user._get_current_object()
    try:
        with read_session() as s:
            view = saved_views.get(s, user, query["view"])
            return dict(view.filter or {}), view.name, None
    except OknoError as err:
        return {k: v for k, v in query.items() if k != "view"}, None, error_message(err)


def layout(**query):
    if not allowed("tickets"):
        return denied()
    locale = current_locale()
    query, view_name, view_problem = _saved_view({k: v for k, v in query.items() if isinstance(v, str)})
    f, problems = ticket_query.parse_filter(query)
    options = _options(locale)
    controls = [dbc.Col([dbc.Label(_("tickets.search"), html_for=f"{P}-q"),
                         dbc.Input(id=f"{P}-q", value=f.q, debounce=True, type="search",
                                   placeholder=_("tickets.search"))], md=3)]
    for key, label in DROPDOWNS:
        controls.append(dbc.Col([dbc.Label(_(label)),
                                 dcc.Dropdown(id=f"{P}-{key}", options=options[key], value=getattr(f, key),
                                              multi=True, placeholder="—")], md=key in ("type", "column") and 3 or 2))
    controls.append(dbc.Col([dbc.Label(_("tickets.tag"), html_for=f"{P}-tag"),
                             dbc.Input(id=f"{P}-tag", value=",".join(f.tag), debounce=True, type="search",
                                       placeholder=_("tickets.tag_placeholder"))], md=2))
    controls.append(dbc.Col([dbc.Label(_("tickets.date_from")),
                             dcc.DatePickerRange(id=f"{P}-dates", start_date=f.created_from, end_date=f.created_to,
                                                 display_format="YYYY-MM-DD", first_day_of_week=1,
                                                 start_date_placeholder_text=_("tickets.date_start"),
                                                 end_date_placeholder_text=_("tickets.date_end"),
                                                 clearable=True)], md=3))
    notes = ([_("tickets.ignored", values=", ".join(problems))] if problems else []) + \
        ([view_problem] if view_problem else [])
    note = dbc.Alert(" ".join(notes), color="warning", id=f"{P}-note", className="okno-note py-1",
                     dismissable=True) if notes else html.Div(id=f"{P}-note")
    return html.Div([
        html.Div([html.H4(_("tickets.title"), className="me-3 mb-0"),
                  html.Span(id=f"{P}-count", className="text-muted me-auto"),
                  dbc.Button([html.I(className="bi bi-x-circle me-1"), _("tickets.reset")], href="/tickets",
                             external_link=True, color="link", size="sm", id=f"{P}-reset"),
                  html.A([html.I(className="bi bi-download me-1"), _("tickets.export")], id=f"{P}-export",
                         className="btn btn-outline-primary btn-sm",
                         href="/tickets/export.csv?excel=" + excel.default_for(locale))],
                 className="d-flex align-items-center mb-2 okno-page-head"),
        export_bar(),
        view_picker(view_name),
        dbc.Switch(id=f"{P}-show-fields", label=_("tickets.show_fields"), value=False, className="small mb-1"),
        note,
        folding_filters(dbc.Row(controls, className="okno-filterbar g-2 mb-2"), f"{P}-filters"),
        dcc.Store(id=f"{P}-filter", data=f.to_query()), dcc.Store(id=f"{P}-sync"),
        bulk_bar() if user_writes() else None,
        dag.AgGrid(id=f"{P}-grid", rowModelType="infinite", columnDefs=_column_defs(),
                   defaultColDef={"resizable": True, "filter": False},
                   dashGridOptions={"rowBuffer": 0, "cacheBlockSize": 100, "maxBlocksInCache": 20,
                                    "infiniteInitialRowCount": 1, "rowSelection": ROW_SELECTION},
                   className="ag-theme-alpine okno-grid", style={"height": None}),
    ])


def user_writes() -> bool:
    """Bulk actions are for the roles that change tickets (the service checks each ticket again)."""
    return getattr(current_user, "role", None) in STAFF_WRITERS


@callback(Output(f"{P}-filter", "data"),
          [Input(f"{P}-{key}", "value") for key, _label in DROPDOWNS] +
          [Input(f"{P}-q", "value"), Input(f"{P}-tag", "value"), Input(f"{P}-dates", "start_date"),
           Input(f"{P}-dates", "end_date")],
          prevent_initial_call=True)
def filter_changed(*values):
    query = {key: ",".join(map(str, v or [])) for (key, _label), v in zip(DROPDOWNS, values)}
    query.update(q=values[-4] or "", tag=values[-3] or "", created_from=(values[-2] or "")[:10],
                 created_to=(values[-1] or "")[:10])
    f, _problems = ticket_query.parse_filter(query)
    return f.to_query()


@callback(Output(f"{P}-export", "href"), Input(f"{P}-filter", "data"), Input("exports-excel", "value"))
def export_link(query, dialect=None):
    """The quick CSV link follows the filter and the export form's CSV kind (Excel-ru or plain)."""
    return "/tickets/export.csv?" + urlencode({**(query or {}), "excel": excel.mode(dialect)})


# Purge the grid's cache (it then asks for the first block again) and put the filter in the URL.
clientside_callback(ClientsideFunction("okno", "ticketsFilterChanged"), Output(f"{P}-sync", "data"),
                    Input(f"{P}-filter", "data"), State(f"{P}-grid", "id"), prevent_initial_call=True)


@callback(Output(f"{P}-grid", "columnDefs"), Input(f"{P}-show-fields", "value"), Input(f"{P}-filter", "data"),
          prevent_initial_call=True)
def show_fields(on, query):
    """The form's answers as optional columns (off by default: most lists don't need them): one column per
    field when the list is filtered to one request type, else one column with all answers."""
    if not on and ctx.triggered_id != f"{P}-show-fields":
        raise PreventUpdate  # a filter change with the answers hidden changes no column
    defs = _column_defs(bool(on))
    f, _problems = ticket_query.parse_filter(query or {})
    if on and len(f.type) == 1:
        with read_session() as s:
            schema = answers.schemas(s, f.type).get(f.type[0]) or []
        at = next(i for i, c in enumerate(defs) if c["field"] == "form_fields")
        defs[at:at + 1] = [{"field": f"f_{x['key']}", "headerName": answers.label(x, current_locale()),
                            "headerTooltip": answers.label(x, current_locale()), "tooltipField": f"f_{x['key']}",
                            "sortable": False, "flex": 1, "minWidth": 140}
                           for x in schema if isinstance(x, dict) and x.get("key") and x.get("type") != "file"]
    return defs


def _shape(row: dict, tz: ZoneInfo, locale: str, schemas: dict) -> dict:
    def fmt(value):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""
    return {
        "id": row["id"], "tags": row["tags"] or [],
        "number_link": f"[#{row['number']}](/ticket/{row['number']})", "title": row["title"],
        "service": row["service"] or "", "type": row["type"] or "", "column": row["column"] or "",
        "status_label": _(f"status.{row['status']}"),
        "priority_name": (row["priority_name_en"] if locale == "en" else row["priority_name"]) or "",
        "assignee": row["assignee"] or "", "requester": row["requester"] or "",
        "channel_label": _(f"channel.{row['channel']}"), "created": fmt(row["created_at"]),
        "resolved": fmt(row["resolved_at"]), "due": fmt(row["sla_due_at"]),
    } | _answers(answers.labelled(schemas.get(row["request_type_id"]), row["fields"], locale))


def _answers(rows: list[dict]) -> dict:
    """The summary cell and one cell per field (the grid shows whichever columns are on)."""
    return {"form_fields": answers.summary(rows)} | {f"f_{r['key']}": r["value"] for r in rows}


@callback(Output(f"{P}-grid", "getRowsResponse"), Output(f"{P}-count", "children"),
          Input(f"{P}-grid", "getRowsRequest"), State(f"{P}-filter", "data"), prevent_initial_call=True)
def rows(request, query):
    """One block of rows for the grid; the total is counted with the first block only."""
    if not request:
        return dash.no_update, dash.no_update
    f, _problems = ticket_query.parse_filter(query or {})
    start, end = int(request.get("startRow", 0)), int(request.get("endRow", 100))
    user, tz, locale = current_user._get_current_object(), ZoneInfo(get_config().timezone), current_locale()
    with read_session() as s:
        data = ticket_query.page(s, user, f, offset=start, limit=end - start, sort=request.get("sortModel"))
        schemas = answers.schemas(s, (r["request_type_id"] for r in data))
        response = {"rowData": [_shape(r, tz, locale, schemas) for r in data]}
        label = dash.no_update
        if start == 0:
            total, exact = ticket_query.count(s, user, f)
            if exact:
                response["rowCount"] = total
            count = f"{total:,}".replace(",", "\u00a0")
            label = _("tickets.found", count=count, tickets=word_form(total, TICKET_WORD, locale)) if exact \
                else _("tickets.found_more", count=count, tickets=word_form(total, TICKET_WORD_ABOUT, locale))
    if len(data) < end - start:
        response["rowCount"] = start + len(data)  # the last block: the grid now knows the end
    return response, label
