"""`/analytics/efficiency`: flow efficiency, WIP per day, the throughput histogram and blocked time."""
import dash
import dash_bootstrap_components as dbc

import components.charts.blocked  # noqa: F401  (registers the chart callbacks)
import components.charts.efficiency  # noqa: F401
from components.analytics_page import page_shell
from components.charts.blocked import blocked_cards_card, blocked_reasons_card
from components.charts.efficiency import flow_efficiency_card, throughput_histogram_card, wip_run_card
from components.guard import allowed, denied

dash.register_page(__name__, path="/analytics/efficiency", title="Okno · Flow efficiency")


def layout(**query):
    if not allowed("analytics"):
        return denied()
    return page_shell("efficiency", query, dbc.Row([
        dbc.Col(flow_efficiency_card(), lg=12),
        dbc.Col(wip_run_card(), lg=6),
        dbc.Col(throughput_histogram_card(), lg=6),
        dbc.Col(blocked_reasons_card(), lg=6),
        dbc.Col(blocked_cards_card(), lg=6),
    ], className="g-3"))
