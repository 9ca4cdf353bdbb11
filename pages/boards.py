"""`/board`: the boards this user may work on; an agent with one team board goes straight to it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from components.guard import allowed, denied
from components.i18n import _
from data.boards import setup as boards
from data.db import read_session
from data.permissions import LEADS

dash.register_page(__name__, path="/board", title="Okno · Boards")


def layout(**_kw):
    if not allowed("board"):
        return denied()
    user = current_user._get_current_object()
    with read_session() as s:
        usable = [(b.id, b.name, len(b.columns), len(b.lanes)) for b in boards.usable(s, user)]
        home = boards.home_board(s, user)
        home_id = home.id if home is not None else None
    if home_id is not None and user.role not in LEADS:
        return dcc.Location(id="boards-redirect", href=f"/board/{home_id}", refresh=True)
    cards = [dbc.Col(html.A(dbc.Card(dbc.CardBody([html.H5(name), html.Small(_("board.shape", columns=cols, lanes=lanes), className="text-muted")])),
                            href=f"/board/{i}", className="text-decoration-none", **{"data-board-id": i}), md=3)
             for i, name, cols, lanes in usable]
    extra = dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("settings.new_board")], href="/board-settings",
                       color="outline-primary", size="sm") if user.role in LEADS else None
    return html.Div([html.Div([html.H4(_("board.title"), className="me-auto mb-0"), extra],
                              className="d-flex align-items-center my-3"),
                     dbc.Row(cards, className="g-3", id="boards-list") if cards else
                     dbc.Alert(_("board.none"), color="light")])
