"""The weekly summary rendered as Dash components (the offline file renders the same summary from
data/weekly/templates/report.html; both use data/weekly/format.py and assets/weekly.css)."""
from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.weekly import charts as weekly_charts
from data.weekly import format as fmt
from data.weekly import text as weekly_text

from components.chart_card import graph_config
from components.i18n import _


def _kpi(key: str, fig: dict, locale: str):
    symbol, tone = fmt.arrow(fig)
    return dbc.Col(html.Div([
        html.Div(_(f"weekly.fig.{key}"), className="okno-kpi-label"),
        html.Div([fmt.value(key, fig["value"], locale), " ",
                  html.Span(f"{symbol} {fmt.change(key, fig, locale)}", className=f"tone-{tone}", style={"fontSize": ".9rem"})],
                 className="okno-kpi-value"),
        html.Div(_("weekly.previous_value", value=fmt.value(key, fig["previous"], locale)), className="okno-kpi-prev"),
    ], className="okno-kpi", id=f"weekly-kpi-{key}"), xs=6, md=4, lg=2)


def _figures_table(blocks: list[dict], locale: str, table_id: str):
    keys = list(blocks[0]["figures"])
    head = html.Thead(html.Tr([html.Th("")] + [html.Th(_(f"weekly.fig.{k}"), className="num") for k in keys]))
    body = []
    for b in blocks:
        cells = [html.Th(b["name"])]
        for k in keys:
            symbol, tone = fmt.arrow(b["figures"][k])
            cells.append(html.Td([fmt.value(k, b["figures"][k]["value"], locale), " ",
                                  html.Span(symbol, className=f"tone-{tone}", title=fmt.change(k, b["figures"][k], locale))],
                                 className="num", **{"data-label": _(f"weekly.fig.{k}")}))
        body.append(html.Tr(cells))
    # okno-stack: on a phone each row is a small card of labelled figures (assets/weekly.css), not 7 columns.
    return dbc.Table([head, html.Tbody(body)], size="sm", responsive=True, bordered=True, id=table_id,
                     className="okno-stack")


def _agents(team: dict, locale: str):
    rows = [html.Tr([html.Td(a["name"]), html.Td(a["resolved"], className="num"),
                     html.Td(fmt.versus_median(a["vs_median"]), className="num"),
                     html.Td(a["open_now"], className="num")]) for a in team["agents"]]
    head = html.Thead(html.Tr([html.Th(_("weekly.agent")), html.Th(_("weekly.fig.resolved"), className="num"),
                               html.Th(_("weekly.vs_median"), className="num"),
                               html.Th(_("weekly.open_now"), className="num")]))
    return dbc.Col([html.H3([team["name"], html.Small(" · " + _("weekly.team_median", value=fmt.number(team["median_resolved"], locale)),
                                                       className="text-muted")]),
                     dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, bordered=True)],
                   lg=6, className="okno-agent-col")  # two per row: three cut off "Open now" at 1,440 px


def _overdue(summary: dict, locale: str):
    if not summary["overdue"]:
        return html.P(_("weekly.overdue_none"), className="text-muted", id="weekly-overdue")
    head = html.Thead(html.Tr([html.Th("#"), html.Th(_("tickets.subject")), html.Th(_("tickets.team")),
                               html.Th(_("tickets.assignee")), html.Th(_("weekly.due")),
                               html.Th(_("weekly.overdue_by"), className="num")]))
    def labelled(key):
        return {"data-label": _(key)}
    rows = [html.Tr([html.Td(dcc.Link(str(o["number"]), href=f"/ticket/{o['number']}")),
                     html.Td(o["title"], className="okno-stack-wide"),
                     html.Td(o["team"] or "", **labelled("tickets.team")),
                     html.Td(o["assignee"] or "", **labelled("tickets.assignee")),
                     html.Td(fmt.moment(o["due_at"], locale), **labelled("weekly.due")),
                     html.Td(fmt.overdue_for(o["overdue_hours"], locale), className="num",
                             **labelled("weekly.overdue_by"))]) for o in summary["overdue"]]
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, bordered=True, id="weekly-overdue",
                     className="okno-stack")


def _chart(name: str, figure, query: dict):
    qs = urlencode(query)
    return dbc.Col(html.Div([
        dcc.Graph(figure=figure, config=graph_config(displayModeBar=False), id=f"weekly-chart-{name}"),
        html.Div([html.A(_("exports.chart_csv"), href=f"/exports/charts/{name}.csv?{qs}", className="me-2"),
                  html.A(_("exports.chart_xlsx"), href=f"/exports/charts/{name}.xlsx?{qs}")],
                 className="okno-chart-links"),
    ], className="okno-chart"), lg=6, className="okno-chart-col")


def render(summary: dict, locale: str):
    query = {"week": summary["week"]} | ({"teams": ",".join(map(str, summary["team_ids"]))} if summary["team_ids"] else {})
    company = summary["company"]["figures"]
    parts = [
        html.Section([html.H2(_("weekly.in_words"), className="mt-0"),
                      html.Ul([html.Li(line) for line in weekly_text.sentences(summary, locale)], className="mb-0")],
                     className="okno-words mb-3", id="weekly-words"),
        dbc.Row([_kpi(k, company[k], locale) for k in company], className="g-2 okno-kpis mb-3", id="weekly-kpis"),
        dbc.Row([_chart(name, fig, query) for name, fig in weekly_charts.figures(summary, locale)],
                className="g-2 okno-charts"),
    ]
    if summary["teams"]:
        parts += [html.H2(_("weekly.teams")), _figures_table(summary["teams"], locale, "weekly-teams")]
    if summary["services"]:
        parts += [html.H2(_("weekly.services")), _figures_table(summary["services"], locale, "weekly-services")]
    with_agents = [t for t in summary["teams"] if t.get("agents")]
    if with_agents:
        parts += [html.H2(_("weekly.agents")), dbc.Row([_agents(t, locale) for t in with_agents], className="g-3 okno-agents")]
    parts += [html.H2(_("weekly.overdue")), _overdue(summary, locale)]
    return html.Div(parts)
