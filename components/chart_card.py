"""A chart card for the analytics pages: title, an info tooltip with the definition, a CSV download
of the chart's data, the Plotly graph (clicking a point opens its tickets), and the callback that
fills it from data/metrics for the current filter.

`register(name, build)` wires one callback per chart: build(session, user, filter, *extra) returns
(figure, rows); the rows are what the CSV button downloads.
"""
from __future__ import annotations

import csv
import io
import logging
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import MATCH, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from flask_login import current_user

from data.db import replica_session
from data.errors import PermissionDenied
from data.exports.files import typed
from data.exports.cells import neutralise
from data.exports.xlsx import xlsx_chunks
from data.metrics import filters

from components.filter_bar import FILTER
from components.i18n import _, current_locale

log = logging.getLogger(__name__)
CALLBACKS: dict = {}  # chart name → its callback, callable as a plain function (bench/analytics.py)
COLORS = {"created": "#0d6efd", "resolved": "#198754", "backlog": "#6f42c1", "breached": "#dc3545",
          "met": "#198754", "p50": "#198754", "p85": "#fd7e14", "p95": "#dc3545", "queue": "#adb5bd",
          "in_progress": "#0d6efd", "waiting": "#ffc107", "done": "#198754"}


# Log-axis ticks people read at a glance (1, 2, 5, 10, 20, 50 …), not 10^x exponents or every 2…9.
LOG_TICKS = [m * 10 ** e for e in range(-2, 5) for m in (1, 2, 5)]


def log_axis(**axis) -> dict:
    """A logarithmic axis with the LOG_TICKS (formatted in the chart's locale: 0,5 in Russian)."""
    return dict(type="log", tickmode="array", tickvals=LOG_TICKS, **axis)


def number(value: float, spec: str = ".1f") -> str:
    """A number for text we write into a figure (labels, annotations), with a decimal comma in Russian,
    as Plotly's locale writes the axes."""
    text = format(value, spec)
    return text.replace(".", ",") if current_locale() == "ru" else text


def graph_config(**extra) -> dict:
    """dcc.Graph's config: in a Russian UI, Plotly's Russian locale (assets/vendor/plotly-locale-ru.js):
    month names, decimal comma, a space between thousands, the toolbar's texts."""
    config = {"displaylogo": False, "responsive": True, **extra}
    if current_locale() == "ru":
        config["locale"] = "ru"
    return config


def graph_id(name: str) -> dict:
    return {"type": "an-graph", "name": name}


def data_id(name: str) -> dict:
    return {"type": "an-data", "name": name}


def chart_card(name: str, title_key: str, info_key: str, *, controls=None, height: int = 320, body=None):
    """The card; `body` replaces the graph (e.g. a table filled by the same callback)."""
    info = f"an-info-{name}"
    header = html.Div([
        html.Span(_(title_key), className="fw-semibold me-1"),
        html.I(className="bi bi-info-circle text-muted", id=info, tabIndex=0, role="button",
               **{"aria-label": _("an.definition")}),
        dbc.Tooltip(_(info_key), target=info, placement="bottom", className="okno-an-tip"),
        html.Div(controls, className="ms-auto me-2") if controls is not None else html.Div(className="ms-auto"),
        dbc.Button([html.I(className="bi bi-download me-1"), "CSV"], id={"type": "an-csv", "name": name},
                   size="sm", color="link", className="p-0 okno-link-strong", title=_("an.csv")),
        dbc.Button("XLSX", id={"type": "an-xlsx", "name": name}, size="sm", color="link", className="p-0 ms-2 okno-link-strong",
                   title=_("exports.chart_xlsx")),
        dcc.Download(id={"type": "an-dl", "name": name}),
    ], className="d-flex align-items-center")
    content = body if body is not None else dcc.Graph(
        id=graph_id(name), config=graph_config(), style={"height": f"{height}px"},
        figure=empty_figure(""))
    return dbc.Card([dbc.CardHeader(header, className="py-1"),
                     dbc.CardBody(dcc.Loading(content, type="dot", delay_show=300), className="p-1"),
                     dcc.Store(id=data_id(name))] +
                    ([dcc.Store(id={"type": "an-click", "name": name})] if body is None else []),
                    className="shadow-sm mb-3 okno-an-card", id=f"an-card-{name}")


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template="plotly_white", margin=dict(l=10, r=10, t=10, b=10),
                      xaxis=dict(visible=False), yaxis=dict(visible=False),
                      annotations=[dict(text=message, showarrow=False, font=dict(size=14, color="#6c757d"))]
                      if message else [])
    return fig


def style(fig: go.Figure, **layout) -> go.Figure:
    layout = {"template": "plotly_white", "margin": dict(l=40, r=10, t=24, b=30), "hovermode": "closest",
              "legend": dict(orientation="h", y=1.08, x=0), **layout}
    fig.update_layout(**layout)
    return fig


def tickets_link(f: filters.TicketFilter, **extra) -> str:
    """The ticket list with the same filters (plus the chart's own, e.g. created_from)."""
    query = f.ticket_list_query(**extra)
    return "/tickets" + ("?" + urlencode(query) if query else "")


def register(name: str, build, *extra_inputs, output=None) -> None:
    """One callback per chart: filter (+ the card's own controls) → figure (or `output`) and CSV rows."""
    target = output or Output(graph_id(name), "figure")

    @callback(target, Output(data_id(name), "data"), Input(FILTER, "data"), *extra_inputs)
    def render(query, *args):
        f, _problems = filters.parse(query)
        user = current_user._get_current_object()
        try:
            with replica_session() as s:
                return build(s, user, filters.scoped(s, user, f), *args)
        except PermissionDenied:
            return (empty_figure(_("denied")) if output is None else _("denied")), []

    CALLBACKS[name] = render


@callback(Output({"type": "an-dl", "name": MATCH}, "data"), Input({"type": "an-csv", "name": MATCH}, "n_clicks"),
          State({"type": "an-data", "name": MATCH}, "data"), State({"type": "an-csv", "name": MATCH}, "id"),
          prevent_initial_call=True)
def download_csv(_clicks, rows, ident):
    """The chart's own data as CSV (UTF-8 with BOM so Excel reads Cyrillic)."""
    rows = rows or []
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: neutralise(v) for k, v in r.items()} for r in rows)  # no formulas (OWASP)
    return {"content": "\ufeff" + out.getvalue(), "filename": f"okno-{ident['name']}.csv", "type": "text/csv"}


@callback(Output({"type": "an-dl", "name": MATCH}, "data", allow_duplicate=True),
          Input({"type": "an-xlsx", "name": MATCH}, "n_clicks"),
          State({"type": "an-data", "name": MATCH}, "data"), State({"type": "an-xlsx", "name": MATCH}, "id"),
          prevent_initial_call=True)
def download_xlsx(_clicks, rows, ident):
    """The chart's own data as an Excel workbook (data/exports/xlsx.py; ISO dates become real dates)."""
    return dcc.send_bytes(chart_xlsx(rows or [], ident["name"]), f"okno-{ident['name']}.xlsx")


def chart_xlsx(rows: list[dict], name: str) -> bytes:
    header = list(rows[0]) if rows else []
    return b"".join(xlsx_chunks(header, ([typed(r.get(k)) for k in header] for r in rows), sheet=name))


clientside_callback(ClientsideFunction("okno_analytics", "openPoint"),
                    Output({"type": "an-click", "name": MATCH}, "data"),
                    Input({"type": "an-graph", "name": MATCH}, "clickData"), prevent_initial_call=True)
