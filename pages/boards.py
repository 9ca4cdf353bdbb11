"""`/board`: the boards this user may work on. An agent or manager whose teams have one board goes straight
to it; with several, their teams' boards come first. `/board?all=1` always shows the list (the board's
switcher links there), so a manager can still reach other boards and "New board"."""
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


def layout(**query):
    if not allowed("board"):
        return denied()
    user = current_user._get_current_object()
    with read_session() as s:
        home = boards.landing(s, user, listed=bool(query.get("all")))
        if home is not None:  # reached by a link inside the app; a typed /board was redirected by the server
            return dcc.Location(id="boards-redirect", href=home, refresh=True)
        listed = [(b.id, b.name, len(b.columns), len(b.lanes), own) for b, own in boards.picker(s, user)]
    cards = [dbc.Col(html.A(dbc.Card(dbc.CardBody([
        html.H5(name),
        html.Small(_("board.shape", columns=cols, lanes=lanes), className="text-muted"),
        html.Span(_("board.own_team"), className="badge text-bg-primary ms-2 okno-own-board") if own else None,
    ])), href=f"/board/{i}", className="text-decoration-none", **{"data-board-id": i, "data-own": int(own)}), md=3)
        for i, name, cols, lanes, own in listed]
    extra = dbc.Button([html.I(className="bi bi-plus-lg me-1"), _("settings.new_board")], href="/board-settings",
                       color="outline-primary", size="sm") if user.role in LEADS else None
    return html.Div([html.Div([html.H4(_("board.title"), className="me-auto mb-0"), extra],
                              className="d-flex align-items-center my-3"),
                     dbc.Row(cards, className="g-3", id="boards-list") if cards else
                     dbc.Alert(_("board.none"), color="light")])
