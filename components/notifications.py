"""The navbar's bell: the unread count (polled, like the board), the newest notifications with links to
their cards, mark one or all read. Opening a card reads what the user was told about it.

Services in data/messaging/inbox.py; each works on the signed-in user's own notifications only.
"""
from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from data.config import get_config
from data.db import read_session, session_scope
from data.errors import OknoError
from data.messaging import inbox

from components.i18n import _

B = "nav-bell"
POLL_MS = 20_000  # a cheap indexed count; the same pace as a person glancing at the bell


def bell():
    return html.Div([
        html.Button([html.I(className="bi bi-bell", **{"aria-hidden": "true"}),
                     html.Span(id=f"{B}-count", className="badge rounded-pill text-bg-danger okno-bell-count")],
                    id=B, type="button", className="btn btn-link nav-link position-relative px-2",
                    title=_("bell.label"), **{"aria-label": _("bell.label"), "aria-haspopup": "true"}),
        dbc.Popover(dbc.PopoverBody(html.Div(id=f"{B}-list"), className="p-0"), target=B, trigger="legacy",
                    placement="bottom-end", className="okno-bell-popover", id=f"{B}-popover"),
        dcc.Interval(id=f"{B}-tick", interval=POLL_MS),
        dcc.Store(id=f"{B}-seen"), dcc.Store(id=f"{B}-changed"),
    ], className="nav-item d-flex align-items-center")


def _user():
    return current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else None


def _items(rows: list[dict]):
    tz = ZoneInfo(get_config().timezone)
    if not rows:
        return html.Div(_("bell.empty"), className="text-muted p-3", id=f"{B}-empty")
    items = []
    for n in rows:
        text = dcc.Link(n["text"], href=f"/ticket/{n['number']}", className="okno-bell-link") if n["number"] \
            else html.Span(n["text"])
        mark = None if n["read"] else html.Button(
            html.I(className="bi bi-check2", **{"aria-hidden": "true"}), id={"type": f"{B}-read", "id": n["id"]},
            type="button", className="btn btn-sm btn-link p-0 ms-2", title=_("bell.mark_read"),
            **{"aria-label": _("bell.mark_read")})
        items.append(html.Li(html.Div([html.Div([text, html.Div(n["at"].astimezone(tz).strftime("%d.%m %H:%M"),
                                                                className="small text-muted")],
                                                className="flex-grow-1"), mark], className="d-flex"),
                             className="list-group-item" + ("" if n["read"] else " okno-unread fw-semibold"),
                             **{"data-read": "true" if n["read"] else "false"}))
    return html.Ul(items, className="list-group list-group-flush okno-bell-items", id=f"{B}-items")


def panel():
    """The list with its header (title and "mark all read")."""
    user = _user()
    if user is None:
        raise PreventUpdate
    with read_session() as s:
        rows = inbox.latest(s, user)
    return html.Div([
        html.Div([html.Strong(_("bell.label"), className="me-auto"),
                  html.Button(_("bell.mark_all"), id=f"{B}-read-all", type="button",
                              className="btn btn-sm btn-link p-0", disabled=not any(not n["read"] for n in rows))],
                 className="d-flex align-items-center px-3 py-2 border-bottom"),
        _items(rows)])


@callback(Output(f"{B}-count", "children"), Input(f"{B}-tick", "n_intervals"), Input(f"{B}-seen", "data"),
          Input(f"{B}-changed", "data"), State(f"{B}-count", "children"))
def count(_n, _seen, _changed, shown=None):
    """The unread count: one count on the partial index of unread notifications (never the tickets);
    when it is what the badge already shows, the poll answers "nothing changed" (204, no body)."""
    user = _user()
    if user is None:
        raise PreventUpdate
    try:
        with read_session() as s:
            n = inbox.unread_count(s, user)
    except OknoError:
        raise PreventUpdate
    text = str(n) if n else ""
    if ctx.triggered_id == f"{B}-tick" and text == (shown or ""):
        raise PreventUpdate
    return text


@callback(Output(f"{B}-list", "children"), Input(B, "n_clicks"), prevent_initial_call=True)
def open_list(_n):
    return panel()


@callback(Output(f"{B}-popover", "is_open"), Input("_pages_location", "pathname"), prevent_initial_call=True)
def close_on_navigation(_path):
    """A link in the list opens its card in the page: the list closes behind it."""
    return False


@callback(Output(f"{B}-list", "children", allow_duplicate=True), Output(f"{B}-changed", "data"),
          Input({"type": f"{B}-read", "id": ALL}, "n_clicks"), Input(f"{B}-read-all", "n_clicks"),
          prevent_initial_call=True)
def mark(_one, _all):
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate  # the buttons were just drawn, not clicked
    user = _user()
    with session_scope() as s:
        if isinstance(ctx.triggered_id, dict):
            inbox.mark_read(s, user, int(ctx.triggered_id["id"]))
        else:
            inbox.mark_all_read(s, user)
    return panel(), time.time_ns()  # a new value each time, so the count is read again


@callback(Output(f"{B}-seen", "data"), Input("tk-number", "data"))
def card_opened(number):
    """The card page and the board's drawer both draw `tk-number`: the user has now seen that ticket."""
    user = _user()
    if user is None or number is None:
        raise PreventUpdate
    with session_scope() as s:
        changed = inbox.mark_ticket_read(s, user, int(number))
    if not changed:
        raise PreventUpdate
    return time.time_ns()
