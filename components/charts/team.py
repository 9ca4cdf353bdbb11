"""Team charts: the per-agent table and chart, load per lane, arrivals heatmap (weekday × hour)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Output, html

from data.metrics import team

from components.chart_card import COLORS, empty_figure, register, style, tickets_link
from components.lite import el
from components.i18n import N_, _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Shown as _(f"an.{day}"): the message ids, for extraction.
WEEKDAY_LABELS = (N_("an.mon"), N_("an.tue"), N_("an.wed"), N_("an.thu"), N_("an.fri"), N_("an.sat"), N_("an.sun"))


def _fmt(value, digits=1, suffix=""):
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def agents_table(session, user, f):
    data = team.agents(session, user, f)
    if not data:
        return html.Div(_("an.nodata"), className="text-muted p-3"), []
    labels = (N_("an.agent"), N_("an.f.team"), N_("an.open_now"), N_("an.resolved"), N_("an.cycle_p50"),
              N_("an.sla_met_pct"), N_("an.reopen_rate"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels]))
    # Several hundred agents × 7 cells: the rows are plain component dicts (components/lite.py), and each
    # link is its filter's URL with the agent's id appended, not a URL encoded anew per cell.
    person = _agent_links(f, {})
    open_now = _agent_links(f, {"status": "queue,in_progress,waiting"})
    resolved = _agent_links(f, {"resolved_from": f.date_from, "resolved_to": f.date_to})
    body = html.Tbody([el("Tr", [
        el("Td", el("A", r["name"], href=person(r["agent_id"]))),
        el("Td", r["team"] or ""),
        el("Td", el("A", r["open_now"], href=open_now(r["agent_id"]))),
        el("Td", el("A", r["resolved"], href=resolved(r["agent_id"]))),
        el("Td", _fmt(r["cycle_p50"])), el("Td", _fmt(r["sla_met"], 0, "%")), el("Td", _fmt(r["reopen_rate"], 1, "%")),
    ]) for r in data])
    table = dbc.Table([head, body], size="sm", responsive=True, hover=True, striped=True, className="mb-0 okno-an-table",
                      id="an-agents-table")
    return html.Div(table, style={"maxHeight": "420px", "overflowY": "auto"}), data


def _agent_links(f, extra: dict):
    """agent id → the ticket list with the chart's filter, `extra`, and that assignee (the same URL
    tickets_link(f, assignee=…, **extra) gives)."""
    marker = "-1"
    template = tickets_link(f, assignee=marker, **extra)
    head, tail = template.split("assignee=" + marker, 1)
    return lambda agent_id: f"{head}assignee={agent_id}{tail}"


def agents_chart(session, user, f):
    data = team.agents(session, user, f)[:30]
    if not data:
        return empty_figure(_("an.nodata")), []
    names = [r["name"] for r in data]
    fig = go.Figure([
        go.Bar(y=names, x=[r["resolved"] for r in data], name=_("an.resolved"), orientation="h",
               marker_color=COLORS["resolved"],
               customdata=[tickets_link(f, assignee=r["agent_id"], resolved_from=f.date_from, resolved_to=f.date_to)
                           for r in data]),
        go.Bar(y=names, x=[r["open_now"] for r in data], name=_("an.open_now"), orientation="h",
               marker_color=COLORS["in_progress"],
               customdata=[tickets_link(f, assignee=r["agent_id"], status="queue,in_progress,waiting") for r in data]),
    ])
    return style(fig, barmode="group", yaxis=dict(autorange="reversed"), height=max(300, 24 * len(data))), data


def lanes(session, user, f):
    data = team.lanes(session, user, f)
    if not data:
        return empty_figure(_("an.nodata_lanes")), []
    many = len({r["board_id"] for r in data}) > 1
    names = [f"{r['board']} · {r['lane']}" if many else r["lane"] for r in data]
    fig = go.Figure([go.Bar(y=names, x=[r[k] for r in data], name=_(f"status.{k}"), orientation="h",
                            marker_color=COLORS[k], customdata=[tickets_link(f, board=r["board_id"], status=k)
                                                                for r in data])
                     for k in ("queue", "in_progress", "waiting")])
    limits = [(n, r["wip_limit"]) for n, r in zip(names, data) if r["wip_limit"]]
    if limits:
        fig.add_trace(go.Scatter(y=[n for n, _l in limits], x=[lim for _n, lim in limits], mode="markers",
                                 name=_("an.wip_limit"), marker=dict(symbol="line-ns-open", size=18, color="#dc3545")))
    return style(fig, barmode="stack", yaxis=dict(autorange="reversed"), height=max(300, 24 * len(data))), data


def arrivals(session, user, f):
    data = team.arrivals(session, user, f)
    if not any(r["n"] for r in data):
        return empty_figure(_("an.nodata")), data
    z = [[0] * 24 for _d in range(7)]
    for r in data:
        z[r["weekday"] - 1][r["hour"]] = r["n"]
    days = [_(f"an.{d}") for d in WEEKDAYS]
    link = tickets_link(f, created_from=f.date_from, created_to=f.date_to)
    fig = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}" for h in range(24)], y=days, colorscale="Blues",
                               customdata=[[link] * 24 for _d in range(7)],
                               hovertemplate="%{y} %{x}:00<br>" + _("an.created") + ": %{z}<extra></extra>"))
    return style(fig, yaxis=dict(autorange="reversed"), xaxis=dict(title=_("an.hour_local"))), data


register("agents-table", agents_table, output=Output("an-agents-body", "children"))
register("agents-chart", agents_chart)
register("lanes", lanes)
register("arrivals", arrivals)
