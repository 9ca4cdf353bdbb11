"""`/analytics/flow`: throughput, cycle-time scatterplot, lead-time histogram, cumulative flow, aging work."""
import dash
import dash_bootstrap_components as dbc

import components.charts.flow  # noqa: F401  (registers the chart callbacks)
from components.analytics_page import page_shell
from components.chart_card import chart_card
from components.charts.flow import throughput_card
from components.guard import allowed, denied
from components.i18n import N_

dash.register_page(__name__, path="/analytics/flow", title="Okno · Flow")


def layout(**query):
    if not allowed("analytics"):
        return denied()
    return page_shell("flow", query, dbc.Row([
        dbc.Col(chart_card("cfd", N_("an.cfd"), N_("an.info.cfd"), height=360), lg=12),
        dbc.Col(throughput_card(), lg=6),
        dbc.Col(chart_card("cycle-scatter", N_("an.cycle_scatter"), N_("an.info.cycle_scatter")), lg=6),
        dbc.Col(chart_card("lead-histogram", N_("an.lead_histogram"), N_("an.info.lead_histogram")), lg=6),
        dbc.Col(chart_card("aging", N_("an.aging"), N_("an.info.aging")), lg=6),
    ], className="g-3"))
