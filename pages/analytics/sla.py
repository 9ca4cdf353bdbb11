"""`/analytics/sla`: SLA met vs breached by week and by priority, first-response time distribution."""
import dash
import dash_bootstrap_components as dbc

import components.charts.sla  # noqa: F401  (registers the chart callbacks)
from components.analytics_page import kpi_row, page_shell
from components.chart_card import chart_card
from components.guard import allowed, denied
from components.i18n import N_

dash.register_page(__name__, path="/analytics/sla", title="Okno · SLA")


def layout(**query):
    if not allowed("analytics"):
        return denied()
    return page_shell("sla", query, kpi_row(), dbc.Row([
        dbc.Col(chart_card("sla-week", N_("an.sla_week"), N_("an.info.sla_week")), lg=6),
        dbc.Col(chart_card("sla-priority", N_("an.sla_priority"), N_("an.info.sla_priority")), lg=6),
        dbc.Col(chart_card("first-response", N_("an.first_response"), N_("an.info.first_response")), lg=12),
    ], className="g-3"))
