"""`/`: the analytics overview (KPI cards, created vs resolved, throughput, cycle time, SLA).

Roles without analytics (agents) get the landing tiles of the places they work in instead.
"""
import dash
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

import components.charts.flow  # noqa: F401  (registers the chart callbacks)
import components.charts.sla  # noqa: F401
from components.analytics_page import kpi_row, page_shell
from components.chart_card import chart_card
from components.charts.flow import throughput_card
from components.guard import allowed
from components.i18n import N_, _
from components.navbar import LINKS
from data.permissions import can_open

dash.register_page(__name__, path="/", title="Okno · Analytics")


def _landing():
    tiles = [dbc.Col(html.A(dbc.Card(dbc.CardBody([html.I(className=f"bi {icon} fs-2"),
                                                   html.H5(_(label), className="mt-2")]),
                                     className="text-center shadow-sm"),
                            href=href, className="text-decoration-none"), md=3)
             for key, href, label, icon in LINKS if href != "/" and can_open(current_user, key)]
    return html.Div([html.H3(_("home.welcome", name=current_user.name), className="my-4"),
                     dbc.Row(tiles, className="g-3")], id="an-landing")


def layout(**query):
    if not allowed("analytics"):
        return _landing()
    return page_shell("overview", query, kpi_row(), dbc.Row([
        dbc.Col(chart_card("created-resolved", N_("an.created_resolved"), N_("an.info.created_resolved")), lg=6),
        dbc.Col(throughput_card(), lg=6),
        dbc.Col(chart_card("cycle-scatter", N_("an.cycle_scatter"), N_("an.info.cycle_scatter")), lg=6),
        dbc.Col(chart_card("sla-week", N_("an.sla_week"), N_("an.info.sla_week")), lg=6),
    ], className="g-3"))
