"""`/analytics/team`: per-agent table and chart, load per lane, arrivals by weekday and hour."""
import dash
import dash_bootstrap_components as dbc
from dash import html

import components.charts.csat  # noqa: F401  (registers the chart callbacks)
import components.charts.team  # noqa: F401
from components.analytics_page import page_shell
from components.chart_card import chart_card
from components.guard import allowed, denied
from components.i18n import N_

dash.register_page(__name__, path="/analytics/team", title="Okno · Team")


def layout(**query):
    if not allowed("analytics"):
        return denied()
    return page_shell("team", query, dbc.Row([
        dbc.Col(chart_card("agents-table", N_("an.agents_table"), N_("an.info.agents"),
                           body=html.Div(id="an-agents-body")), lg=7),
        dbc.Col(chart_card("agents-chart", N_("an.agents_chart"), N_("an.info.agents"), height=420), lg=5),
        dbc.Col(chart_card("lanes", N_("an.lanes"), N_("an.info.lanes"), height=380), lg=6),
        dbc.Col(chart_card("arrivals", N_("an.arrivals"), N_("an.info.arrivals"), height=380), lg=6),
        dbc.Col(chart_card("csat-agents", N_("an.csat_agents"), N_("an.info.csat"),
                           body=html.Div(id="an-csat-agents-body")), lg=6),
        dbc.Col(chart_card("csat-services", N_("an.csat_services"), N_("an.info.csat"),
                           body=html.Div(id="an-csat-services-body")), lg=6),
    ], className="g-3"))
