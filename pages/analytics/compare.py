"""`/analytics/compare`: before vs after a date (default: the go-live), per agent and per team,
with 95% bootstrap intervals on the differences (data/metrics/compare.py)."""
from datetime import date

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html
from flask_login import current_user

from components.analytics_page import page_shell
from components.chart_card import CALLBACKS, chart_card, data_id, empty_figure, graph_id, style
from components.filter_bar import FILTER
from components.guard import allowed, denied
from components.i18n import N_, _
from components.lite import el
from data.db import replica_session
from data.errors import PermissionDenied
from data.metrics import compare, filters

dash.register_page(__name__, path="/analytics/compare", title="Okno · Before and after")

P = "an-cmp"
MEASURES = {"resolved": (N_("an.cmp.resolved"), "{:.0f}"), "handle_p50": (N_("an.cmp.handle_p50"), "{:.2f}"),
            "handle_p85": (N_("an.cmp.handle_p85"), "{:.2f}"), "sla_met": (N_("an.cmp.sla_met"), "{:.0f}%")}
INPUTS = (Input(f"{P}-pivot", "date"), Input(f"{P}-months", "value"), Input(f"{P}-group", "value"))


def _pivot(raw) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def _result(session, user, f, pivot, months, group):
    months = int(months) if str(months or "").isdigit() and 1 <= int(months) <= 24 else 6
    group = group if group in compare.GROUPS else "agent"
    return compare.compare(session, user, f, pivot=_pivot(pivot), months_before=months, groups=(group,))[group]


def _cell(m: dict, fmt: str) -> dict:
    if m["before"] is None or m["after"] is None:
        return el("Td", "—")
    ci = "" if m["low"] is None else f" [{fmt.format(m['low'])} … {fmt.format(m['high'])}]"
    sign = "+" if m["diff"] > 0 else ""
    return el("Td", [el("Span", f"{fmt.format(m['before'])} → {fmt.format(m['after'])}", className="fw-semibold"),
                     el("Br"), el("Small", f"{sign}{fmt.format(m['diff'])}{ci}", className="text-muted")])


def table(rows):
    if not rows:
        return html.Div(_("an.nodata"), className="text-muted p-3"), []
    head = html.Thead(html.Tr([html.Th(_("an.cmp.who")), html.Th(_("an.cmp.months"))] +
                              [html.Th(_(label)) for label, _fmt in MEASURES.values()]))
    # Hundreds of agents × four measures: rows as plain component dicts (components/lite.py).
    body = html.Tbody([el("Tr", [el("Td", r["name"]), el("Td", f"{r['months_before']} / {r['months_after']}")] +
                               [_cell(r[k], fmt) for k, (_label, fmt) in MEASURES.items()]) for r in rows])
    flat = [{"name": r["name"], "months_before": r["months_before"], "months_after": r["months_after"],
             **{f"{k}_{part}": r[k][part] for k in MEASURES for part in ("before", "after", "diff", "low", "high")}}
            for r in rows]
    return dbc.Table([head, body], size="sm", responsive=True, hover=True, className="mb-0", id=f"{P}-table"), flat


def chart(rows, measure):
    measure = measure if measure in MEASURES else "resolved"
    rows = [r for r in rows if r[measure]["diff"] is not None]
    if not rows:
        return empty_figure(_("an.nodata")), []
    names = [r["name"] for r in rows]
    fig = go.Figure([
        go.Bar(y=names, x=[r[measure]["before"] for r in rows], name=_("an.cmp.before"), orientation="h",
               marker_color="#adb5bd"),
        go.Bar(y=names, x=[r[measure]["after"] for r in rows], name=_("an.cmp.after"), orientation="h",
               marker_color="#0d6efd",
               error_x=dict(type="data", symmetric=False,
                            array=[(r[measure]["high"] - r[measure]["diff"]) if r[measure]["high"] is not None else 0
                                   for r in rows],
                            arrayminus=[(r[measure]["diff"] - r[measure]["low"]) if r[measure]["low"] is not None else 0
                                        for r in rows])),
    ])
    style(fig, barmode="group", yaxis=dict(autorange="reversed"), height=max(320, 36 * len(rows)),
          xaxis=dict(title=_(MEASURES[measure][0])))
    return fig, [{"name": r["name"], **r[measure]} for r in rows]


@callback(Output(f"{P}-body", "children"), Output(data_id("compare-table"), "data"),
          Output(graph_id("compare-chart"), "figure"), Output(data_id("compare-chart"), "data"),
          Input(FILTER, "data"), *INPUTS, Input(f"{P}-measure", "value"))
def render(query, pivot, months, group, measure):
    """One query for the table and the chart (the comparison reads a year of tickets)."""
    f, _problems = filters.parse(query)
    try:
        with replica_session() as s:
            user = current_user._get_current_object()
            rows = _result(s, user, filters.scoped(s, user, f), pivot, months, group)
    except PermissionDenied:
        return _("denied"), [], empty_figure(_("denied")), []
    return (*table(rows), *chart(rows, measure))


CALLBACKS["compare"] = render


def layout(**query):
    if not allowed("analytics"):
        return denied()
    pivot = _pivot(query.get("pivot")) or compare.default_pivot()
    controls = dbc.Row([
        dbc.Col([dbc.Label(_("an.cmp.pivot")), html.Br(),
                 dcc.DatePickerSingle(id=f"{P}-pivot", date=pivot, display_format="YYYY-MM-DD", first_day_of_week=1)],
                md="auto"),
        dbc.Col([dbc.Label(_("an.cmp.months_before")),
                 dbc.Input(id=f"{P}-months", type="number", min=1, max=24, value=6, debounce=True)], md=2),
        dbc.Col([dbc.Label(_("an.cmp.group")),
                 dbc.RadioItems(id=f"{P}-group", value="agent", inline=True,
                                options=[{"value": "agent", "label": _("an.agent")},
                                         {"value": "team", "label": _("an.f.team")}])], md="auto"),
        dbc.Col(html.Small(_("an.cmp.explain"), className="text-muted"), md=True),
    ], className="g-3 mb-3 align-items-end okno-filterbar")
    measure = dcc.Dropdown(id=f"{P}-measure", value="resolved", clearable=False, style={"minWidth": "220px"},
                           options=[{"value": k, "label": _(label)} for k, (label, _f) in MEASURES.items()])
    return page_shell("compare", query, controls, dbc.Row([
        dbc.Col(chart_card("compare-table", N_("an.cmp.table"), N_("an.info.compare"), body=html.Div(id=f"{P}-body")),
                lg=7),
        dbc.Col(chart_card("compare-chart", N_("an.cmp.chart"), N_("an.info.compare"), controls=measure, height=420),
                lg=5),
    ], className="g-3"), dates=False)
