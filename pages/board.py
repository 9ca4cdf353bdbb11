"""`/board/<id>`: columns × lanes with drag and drop, filters, limits and live updates.

One server callback (`refresh`) answers everything that changes cards: a move, a poll tick, the
filter, "show more". It returns only the columns that changed (dash.no_update for the rest);
the poll first compares the board's revision, so an idle board costs one indexed lookup.
Drag and drop, the move menu and card clicks are wired in assets/board.js.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components import kanban
from components.board_views import board_views  # saved views of the board's filters
from components.bulk_bar import bulk_bar  # select mode: tick cards, then act on them as on the list
from components.board_load import strip as load_strip
from components.guard import allowed, denied
from components.i18n import N_, _, current_locale, error_message
from components.phone import column_picker, folding_filters
from components.ticket_detail import detail
from data.boards import moves as board_moves
from data.boards import view as board_view
from data.boards import setup as boards
from data.catalog import lookups
from data.db import read_session, session_scope
from data.errors import Conflict, LimitExceeded, OknoError, PermissionDenied
from data.permissions import LEADS

dash.register_page(__name__, path_template="/board/<board_id>", title="Okno · Board")

P = "board"
POLL_MS = 3000
# The filters' placeholders, _(f"board.f_{key}"): the message ids, for extraction.
FILTER_LABELS = {"service": N_("board.f_service"), "type": N_("board.f_type"), "priority": N_("board.f_priority"),
                 "assignee": N_("board.f_assignee")}


def _filters(s, locale: str):
    def dd(key, options, md=2):
        return dbc.Col(dcc.Dropdown(id=f"{P}-f-{key}", options=options, multi=True,
                                    placeholder=_(f"board.f_{key}")), md=md)
    return dbc.Row([
        dbc.Col(dbc.Input(id=f"{P}-f-q", type="search", debounce=True, placeholder=_("tickets.search")), md=3),
        dd("service", lookups.services(s)), dd("type", lookups.request_types(s)),
        dd("priority", [{"value": p["value"], "label": p["label"]} for p in lookups.priorities(s, locale)], md=1),
        dd("assignee", [{"value": 0, "label": _("tickets.unassigned")}] + lookups.agents(s)),
        dbc.Col(dbc.Switch(id=f"{P}-f-mine", label=_("board.mine"), value=False, className="mt-2"), md=2),
        *_sla_controls(),
    ], className="okno-filterbar g-2 mb-2")


# The SLA filter's choices, as on the ticket list (data/tickets/filters.py SLA_CHOICES): the message ids.
SLA_LABELS = {"at_risk": N_("board.sla_at_risk"), "breached": N_("board.sla_breached"),
              "due_today": N_("tickets.sla_due_today")}


def _sla_controls():
    """For managers watching deadlines: the SLA filter and the cells' order (as arranged / soonest due)."""
    return [dbc.Col(dcc.Dropdown(id=f"{P}-f-sla", multi=True, placeholder=_("board.f_sla"),
                                 options=[{"value": k, "label": _(v)} for k, v in SLA_LABELS.items()]), md=2),
            dbc.Col([html.Label(_("board.order"), htmlFor=f"{P}-f-order", className="visually-hidden"),
                     dbc.Select(id=f"{P}-f-order", value="position", size="sm", className="mt-1",
                                options=[{"value": "position", "label": _("board.order_position")},
                                         {"value": "due", "label": _("board.order_due")}])], md=2)]


def _move_menu(columns, lanes):
    lane_options = [{"value": l["id"] or "", "label": l["name"]} for l in lanes]
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("board.move_menu"), id=f"{P}-mm-title")),
        dbc.ModalBody([
            dbc.Label(_("tickets.column"), html_for=f"{P}-mm-column"),
            dbc.Select(id=f"{P}-mm-column", options=[{"value": c["id"], "label": c["name"]} for c in columns]),
            html.Div([dbc.Label(_("board.lane"), html_for=f"{P}-mm-lane", className="mt-2"),
                      dbc.Select(id=f"{P}-mm-lane", options=lane_options)],
                     style={} if len(lanes) > 1 else {"display": "none"}),
        ]),
        dbc.ModalFooter(dbc.Button(_("board.move"), id=f"{P}-mm-go", color="primary")),
    ], id=f"{P}-mm", is_open=False)


def layout(board_id=None, **_kw):
    if not allowed("board"):
        return denied()
    user, locale = current_user._get_current_object(), current_locale()
    if not str(board_id).isdigit():
        return dbc.Alert(_("board.not_found"), color="warning", className="mt-4", id=f"{P}-error")
    try:
        with read_session() as s:
            board = boards.get(s, user, int(board_id))
            columns, lanes = kanban.shape(board)
            # The revisions before the cards: the page may hold newer cards than its revisions say (the next
            # poll redraws them), never older ones.
            rev, col_revs = boards.revisions(s, board.id)
            heads, cells, labels = kanban.render(s, user, board, None, board_view.TicketFilter(), {}, locale,
                                                 revisions=col_revs)
            filters = _filters(s, locale)
            loads = load_strip(s, user, board, locale)
            bid, name, others = board.id, board.name, [(b.id, b.name) for b in boards.usable(s, user)]
    except OknoError as err:
        return dbc.Alert(error_message(err), color="warning", className="mt-4", id=f"{P}-error")
    switcher = dbc.DropdownMenu([dbc.DropdownMenuItem(n, href=f"/board/{i}") for i, n in others] +
                                [dbc.DropdownMenuItem(divider=True),
                                 dbc.DropdownMenuItem(_("board.all_boards"), href="/board?all=1")],
                                label=name, color="light", size="sm", id=f"{P}-switch", className="me-2")
    settings = dbc.Button([html.I(className="bi bi-sliders me-1"), _("board.settings")],
                          href=f"/board-settings?board={bid}", color="link", size="sm",
                          id=f"{P}-settings") if user.role in LEADS else None
    return html.Div([
        html.Div([switcher, html.Small(_("board.hint"), className="text-muted me-auto d-none d-md-inline"),
                  html.Span(className="me-auto d-md-none"),
                  html.Button([html.I(className="bi bi-keyboard me-1"), _("board.shortcuts")], type="button",
                              id=f"{P}-keys", className="btn btn-link btn-sm", **{"data-shortcuts-open": "1"}),
                  settings],
                 className="d-flex align-items-center mb-2"),
        folding_filters(filters, f"{P}-filters"),
        board_views(),
        bulk_bar(board=True),
        loads,
        dbc.Alert(id=f"{P}-msg", is_open=False, dismissable=True, color="warning", className="py-2 okno-note"),
        dcc.Store(id=f"{P}-id", data=bid),
        dcc.Store(id=f"{P}-filter", data={}),
        dcc.Store(id=f"{P}-limits", data={}),
        dcc.Store(id=f"{P}-revs", data={"board": rev, "columns": {str(k): v for k, v in col_revs.items()}}),
        dcc.Store(id=f"{P}-move"), dcc.Store(id=f"{P}-more"), dcc.Store(id=f"{P}-open"),
        dcc.Store(id=f"{P}-move-menu"), dcc.Store(id=f"{P}-mm-sink"),
        dcc.Interval(id=f"{P}-poll", interval=POLL_MS),
        column_picker(columns),
        html.Div(kanban.grid(columns, lanes, heads, cells, labels), className="okno-board-wrap"),
        dbc.Offcanvas(id=f"{P}-drawer", placement="end", is_open=False, scrollable=True,
                      className="okno-drawer", title=""),
        _move_menu(columns, lanes),
    ], className="okno-board-page", **{"data-board-id": bid})


@callback(Output(f"{P}-filter", "data", allow_duplicate=True),
          Input(f"{P}-f-q", "value"), Input(f"{P}-f-service", "value"), Input(f"{P}-f-type", "value"),
          Input(f"{P}-f-priority", "value"), Input(f"{P}-f-assignee", "value"), Input(f"{P}-f-mine", "value"),
          prevent_initial_call=True)
def filter_changed(q, service, type_, priority, assignee, mine):
    # A Patch: the SLA controls (sla_changed) write their own keys of the same store.
    patch = Patch()
    patch.update({"q": q or "", "service": service or [], "type": type_ or [], "priority": priority or [],
                  "assignee": assignee or [], "mine": bool(mine)})
    return patch


@callback(Output(f"{P}-filter", "data", allow_duplicate=True),
          Input(f"{P}-f-sla", "value"), Input(f"{P}-f-order", "value"), prevent_initial_call=True)
def sla_changed(sla, order):
    """The SLA filter (a TicketFilter key) and the cells' order (read by refresh, not a filter)."""
    patch = Patch()
    patch.update({"sla": sla or [], "order": order if order in board_view.ORDERS else "position"})
    return patch


def _error_text(err: OknoError) -> str:
    if isinstance(err, Conflict):
        return _("board.conflict", who=err.changed_by or _("board.someone"))
    if isinstance(err, LimitExceeded):
        return _("board.wip_refused")
    if isinstance(err, PermissionDenied):
        return _("board.denied", reason=error_message(err))
    return _("board.refused", reason=error_message(err))


@callback(Output({"type": kanban.HEAD, "column": ALL}, "children"),
          Output({"type": kanban.CELL, "column": ALL, "lane": ALL}, "children"), Output("board-lanes", "children"),
          Output(f"{P}-revs", "data"), Output(f"{P}-limits", "data"), Output(f"{P}-msg", "children"),
          Output(f"{P}-msg", "is_open"),
          Input(f"{P}-move", "data"), Input(f"{P}-poll", "n_intervals"), Input(f"{P}-filter", "data"),
          Input(f"{P}-more", "data"),
          State(f"{P}-id", "data"), State(f"{P}-revs", "data"), State(f"{P}-limits", "data"),
          prevent_initial_call=True)
def refresh(move, _tick, flt, more, board_id, revs, limits):
    """Re-render only what changed: the move's two cells, the polled changed columns, or all on a filter."""
    user, locale, trigger = current_user._get_current_object(), current_locale(), ctx.triggered_id
    shown = [o["id"]["column"] for o in ctx.outputs_list[0]]
    shown_cells = [(o["id"]["column"], o["id"]["lane"]) for o in ctx.outputs_list[1]]
    only_cells = None
    revs = revs or {"board": -1, "columns": {}}
    limits = dict(limits or {})
    message, wanted = dash.no_update, []
    if trigger == f"{P}-move":
        wanted = [c for c in {_int(move, "from_column"), _int(move, "column")} if c in shown]
        only_cells = {(_int(move, "from_column"), _int(move, "from_lane") or 0),
                      (_int(move, "column"), _int(move, "lane") or 0)}
        up_to_date = False
        try:
            with session_scope() as s:
                board_moves.apply(s, user, move)
                up_to_date = _only_this_move(s, board_id, wanted, revs)
            message = None
        except OknoError as err:
            message = _error_text(err)
        # Sorted by due, a dropped card's place is the due order's, not where it was dropped: re-render.
        if up_to_date and len(wanted) == len({_int(move, "from_column"), _int(move, "column")}) \
                and (flt or {}).get("order") != "due":
            patched = _patch_move(user, board_id, move, wanted, flt, locale, shown, shown_cells, revs, limits)
            if patched is not None:
                return patched
    with read_session() as s:
        if trigger == f"{P}-poll":
            rev, col_revs = boards.revisions(s, board_id)  # the cheap check first
            if rev == revs.get("board"):
                raise PreventUpdate
            wanted = [c for c in shown if col_revs.get(c) != revs["columns"].get(str(c))]
            if set(col_revs) != set(shown):
                message = _("board.layout_changed")
        board = boards.get(s, user, board_id)
        if {lane.id for lane in board.lanes} | {0} != {lane for _c, lane in shown_cells}:
            message = _("board.layout_changed")  # lanes added or removed in the settings
        if trigger != f"{P}-poll":
            rev, col_revs = board.revision, {c.id: c.revision for c in board.columns}
        if trigger == f"{P}-filter":
            wanted = shown
        elif trigger == f"{P}-more":
            column, step = _int(more, "column"), board_view.default_limit(board)
            if column in shown:
                limits[str(column)] = int(limits.get(str(column), step)) + step
                wanted = [column]
        heads, cells, labels = kanban.render(s, user, board, wanted, board_view.TicketFilter.from_dict(flt), limits,
                                             locale, only_cells, order=(flt or {}).get("order"), revisions=col_revs) \
            if wanted else ({}, {}, dash.no_update)
    new_revs = {"board": rev if trigger != f"{P}-move" else revs.get("board"),
                "columns": {**revs["columns"], **{str(c): col_revs.get(c) for c in wanted}}}
    return ([heads.get(c, dash.no_update) for c in shown], [cells.get(k, dash.no_update) for k in shown_cells],
            labels, new_revs, limits, message,
            bool(message) if message is not dash.no_update else dash.no_update)


def _only_this_move(s, board_id: int, columns: list[int], revs: dict) -> bool:
    """Was the page up to date with these columns before the move, so that patching its cells gives what a
    re-render would? True when each column's revision is exactly one past what the page holds (read in the
    move's transaction: the move holds the board row, so nobody else changed them in between)."""
    _rev, col_revs = boards.revisions(s, board_id)
    held = revs.get("columns", {})
    return all(str(c) in held and col_revs.get(c) == int(held[str(c)]) + 1 for c in columns)


def _patch_move(user, board_id, move, columns, flt, locale, shown, shown_cells, revs, limits):
    """A move's answer as Patches: the card leaves its cell at the index the browser dropped it from and is
    inserted, re-rendered (new version, assignee), where it was dropped; headers and lane loads are redrawn.
    A few KB instead of two cells of cards (~40 KB). None when the browser did not say where (the move menu)."""
    source = (_int(move, "from_column"), _int(move, "from_lane") or 0)
    target = (_int(move, "column"), _int(move, "lane") or 0)
    old_index, new_index = _int(move, "from_index"), _int(move, "to_index")
    if old_index is None or new_index is None or old_index < 0 or new_index < 0 \
            or source not in shown_cells or target not in shown_cells:
        return None
    with read_session() as s:
        board = boards.get(s, user, board_id)
        heads, moved, labels = kanban.render_moved(s, user, board, _int(move, "ticket"), columns,
                                                   board_view.TicketFilter.from_dict(flt), locale)
        _rev, col_revs = boards.revisions(s, board_id)
    cells = {source: Patch()}
    del cells[source][old_index]
    if moved is not None:
        cells.setdefault(target, Patch()).insert(new_index, moved)
    new_revs = {"board": revs.get("board"), "columns": {**revs["columns"], **{str(c): col_revs.get(c) for c in columns}}}
    return ([heads.get(c, dash.no_update) for c in shown], [cells.get(k, dash.no_update) for k in shown_cells],
            _lane_patch(labels, shown_cells, {source[1], target[1]}), new_revs, limits, None, False)


def _lane_patch(labels: list, shown_cells, lanes: set[int]):
    """Only the labels of the lanes a move touched (their load), at their places in the label column
    (the corner first, then the lanes in the order of the cells)."""
    if not labels:
        return dash.no_update
    order = list(dict.fromkeys(lane for _c, lane in shown_cells))
    patch = Patch()
    for lane in lanes:
        if lane in order and order.index(lane) + 1 < len(labels):
            patch[order.index(lane) + 1] = labels[order.index(lane) + 1]
    return patch


def _int(data, key) -> int | None:
    try:
        return int((data or {}).get(key))
    except (TypeError, ValueError):
        return None


@callback(Output(f"{P}-drawer", "is_open"), Output(f"{P}-drawer", "children"), Output(f"{P}-drawer", "title"),
          Input(f"{P}-open", "data"), prevent_initial_call=True)
def open_card(data):
    number = _int(data, "number")
    if number is None:
        raise PreventUpdate
    return True, detail(number), f"#{number}"


# The move menu (keyboards, touch screens): open it with the card's place preselected, then send
# the same move the drag sends.
clientside_callback(ClientsideFunction("okno_board", "openMoveMenu"),
                    Output(f"{P}-mm", "is_open"), Output(f"{P}-mm-column", "value"), Output(f"{P}-mm-lane", "value"),
                    Output(f"{P}-mm-title", "children"), Input(f"{P}-move-menu", "data"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("okno_board", "sendMenuMove"), Output(f"{P}-mm-sink", "data"),
                    Input(f"{P}-mm-go", "n_clicks"), State(f"{P}-move-menu", "data"), State(f"{P}-mm-column", "value"),
                    State(f"{P}-mm-lane", "value"), prevent_initial_call=True)
