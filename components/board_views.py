"""Saved views on a board: its filters (search, service, type, priority, assignee, "mine", SLA) under a name,
private or shared with a team, like the ticket list's (components/view_picker.py, data/tickets/saved_views.py).
Picking one sets the board's filter controls; the board then redraws as for any filter change.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components.i18n import _
from components.view_picker import deletable_list, keep, rows, share_options, views_bar
from data.db import read_session
from data.errors import OknoError
from data.tickets import saved_views
from data.tickets.filters import parse as parse_filter

BV = "bviews"  # component id prefix
PAGE = "board"
FILTER_STORE = "board-filter"
# The board's filter controls (pages/board.py) and the filter key each one sets.
CONTROLS = {"q": "board-f-q", "service": "board-f-service", "type": "board-f-type", "priority": "board-f-priority",
            "assignee": "board-f-assignee", "mine": "board-f-mine", "sla": "board-f-sla"}


def _items(found: list[dict]) -> list:
    items = [dbc.DropdownMenuItem([r["name"], html.Small(f" · {r['team']}", className="text-muted") if r["team"]
                                   else None], id={"type": f"{BV}-pick", "id": r["id"]}, n_clicks=0)
             for r in found]
    return items or [dbc.DropdownMenuItem(_("views.none"), disabled=True)]


def board_views():
    user = current_user._get_current_object()
    found = rows(user, PAGE)
    return views_bar(BV, found, share_options(user), _items(found), _("views.title"))


@callback(Output(f"{BV}-form", "is_open"), Input(f"{BV}-toggle", "n_clicks"), State(f"{BV}-form", "is_open"),
          prevent_initial_call=True)
def toggle(_n, is_open):
    return not is_open


def _clicked() -> bool:
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


@callback(*[Output(cid, "value", allow_duplicate=True) for cid in CONTROLS.values()],
          Input({"type": f"{BV}-pick", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def pick(_clicks):
    """Set the board's filter controls to the view's filter."""
    if not isinstance(ctx.triggered_id, dict) or not _clicked():
        raise PreventUpdate
    user = current_user._get_current_object()
    try:
        with read_session() as s:
            f, _problems = parse_filter(saved_views.get(s, user, ctx.triggered_id["id"]).filter)
    except OknoError:
        raise PreventUpdate from None
    return f.q, f.service, f.type, f.priority, f.assignee, f.mine, f.sla


@callback(Output(f"{BV}-status", "children"), Output(f"{BV}-menu", "children"), Output(f"{BV}-list", "children"),
          Input(f"{BV}-save", "n_clicks"), Input({"type": f"{BV}-delete", "id": ALL}, "n_clicks"),
          State(f"{BV}-name", "value"), State(f"{BV}-share", "value"), State(FILTER_STORE, "data"),
          prevent_initial_call=True)
def save_or_delete(_save, _deletes, name, share, board_filter):
    """Save the board's current filters under the name (shared with the chosen team), or delete a view."""
    saved = keep(BV, PAGE, name, share, board_filter)
    if isinstance(saved, dbc.Alert):
        return saved, dash.no_update, dash.no_update
    status = _("views.saved", name=saved[1]) if saved else _("views.deleted")
    found = rows(current_user._get_current_object(), PAGE)
    return status, _items(found), deletable_list(found, BV)
