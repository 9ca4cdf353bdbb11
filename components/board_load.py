"""The load strip under the board's filters: each person's open tickets against the team's median, the
overloaded ones first and in red ("Иванов 12 (медиана 6) — перегружен"). Shown whether or not the board
sets lane WIP limits (data/boards/load.py computes it); redrawn whenever the board's revision changes."""
from __future__ import annotations

from dash import Input, Output, State, callback, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.i18n import _, current_locale
from data.boards import load as board_load
from data.boards import setup as boards
from data.db import read_session
from data.errors import OknoError

STRIP = "board-load"


def _number(value: float, locale: str) -> str:
    """A median as people write it: 6, or 5,5 in Russian (5.5 in English)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",") if locale == "ru" else text


def strip_children(loads: list[board_load.AgentLoad], locale: str) -> list:
    """The strip's contents: a label with the median, then a chip per person."""
    if not loads:
        return []
    median = _number(loads[0].median, locale)
    chips = []
    for a in sorted(loads, key=lambda a: not a.overloaded):  # stable: busiest first within each part
        if a.overloaded:
            chips.append(html.Span(_("board.load_overloaded", name=a.name, n=a.open_tickets, median=median),
                                   className="badge text-bg-danger me-1 okno-load okno-load-over",
                                   **{"data-user-id": a.user_id}))
        else:
            chips.append(html.Span(f"{a.name} {a.open_tickets}", className="badge text-bg-light me-1 okno-load",
                                   **{"data-user-id": a.user_id}))
    return [html.Span(_("board.load_title", median=median), className="text-muted me-2",
                      title=_("board.load_hint")), *chips]


def strip(session, user, board, locale: str):
    return html.Div(strip_children(board_load.board_load(session, user, board), locale), id=STRIP,
                    className="okno-load-strip small mb-2", role="status")


@callback(Output(STRIP, "children"), Input("board-revs", "data"), State("board-id", "data"),
          prevent_initial_call=True)
def redraw(_revs, board_id):
    """Any change on the board (a move, a new ticket, a reassignment) may change the loads."""
    if not board_id:
        raise PreventUpdate
    user = current_user._get_current_object()
    try:
        with read_session() as s:
            board = boards.get(s, user, board_id)
            return strip_children(board_load.board_load(s, user, board), current_locale())
    except OknoError:
        raise PreventUpdate from None
