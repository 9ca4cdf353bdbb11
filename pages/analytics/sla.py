"""`/analytics/sla`: SLA met vs breached by week and by priority, first-response time distribution."""
import dash
import dash_bootstrap_components as dbc

import components.charts.sla  # noqa: F401  (registers the chart callbacks)
from components.analytics_page import kpi_row, page_shell
from components.chart_card import chart_card
from components.guard import allowed, denied

dash.register_page(__name__, path="/analytics/sla", title="Okno · SLA")


def layout(**query):
    if not allowed("analytics"):
        return denied()
    return page_shell("sla", query, kpi_row(), dbc.Row([
        dbc.Col(chart_card("sla-week", "an.sla_week", "an.info.sla_week"), lg=6),
        dbc.Col(chart_card("sla-priority", "an.sla_priority", "an.info.sla_priority"), lg=6),
        dbc.Col(chart_card("first-response", "an.first_response", "an.info.first_response"), lg=12),
    ], className="g-3"))
