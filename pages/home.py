"""`/`: a landing page with the places this user's role works in (the analytics overview replaces it)."""
import dash
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from components.i18n import _
from components.navbar import LINKS
from data.permissions import can_open

dash.register_page(__name__, path="/", title="Okno")


def layout(**_kw):
    tiles = [dbc.Col(html.A(dbc.Card(dbc.CardBody([html.I(className=f"bi {icon} fs-2"),
                                                   html.H5(_(label), className="mt-2")]),
                                     className="text-center shadow-sm"),
                            href=href, className="text-decoration-none"), md=3)
             for key, href, label, icon in LINKS if href != "/" and can_open(current_user, key)]
    return html.Div([html.H3(_("home.welcome", name=current_user.name), className="my-4"),
                     dbc.Row(tiles, className="g-3")])
