"""The board grid: a lane-label column, then per board column a header and one cell per lane.

Headers ({"type": "board-head", "column": id}) and cells ({"type": "board-cell", "column": id,
"lane": id or 0}) are pattern-matching components, so a move re-renders only the two cells and
two headers it touched. A board column spans every lane row through CSS subgrid, so lanes line
up across the board.
"""
from __future__ import annotations

from dataclasses import asdict

from dash import html

from components import board_cache
from components.i18n import _
from components.ticket_card import card

HEAD, CELL = "board-head", "board-cell"


def _header(col: dict):
    over = col["over_wip"]
    limit = f" / {col['wip_limit']}" if col["wip_limit"] else ""
    badges = [html.Span(f"{col['count']}{limit}", className="badge okno-wip " +
                        ("text-bg-danger" if over else "text-bg-light"),
                        title=(_("board.wip_hard") if col["wip_hard"] else _("board.wip_soft")) if limit else None)]
    if col["time_limit"]:
        badges.append(html.Span([html.I(className="bi bi-hourglass-split me-1"),
                                 _("board.time_limit", n=col["time_limit"])],
                                className="badge text-bg-light ms-1", title=_("board.time_limit_title")))
    return html.Div([html.Span(col["name"], className="fw-semibold me-auto"), *badges],
                    className="okno-col-header d-flex align-items-center" + (" okno-over-wip" if over else ""),
                    **{"data-column-id": col["id"], "data-kind": col["kind"]})


def cell_children(col: dict, lane_key: int, locale: str) -> list:
    """The cards of one cell; it ends with "show more" when the cell holds more cards."""
    cell = col["cells"].get(lane_key, {"cards": [], "total": 0})
    children = [card(c, locale) for c in cell["cards"]]
    more = cell["total"] - len(cell["cards"])
    if more > 0:
        children.append(html.Button(_("board.show_more", n=more), className="btn btn-sm btn-link okno-more",
                                    **{"data-column-id": col["id"]}))
    return children


def lane_labels(lanes: list[dict], load: dict[int, int]) -> list:
    labels = [html.Div(className="okno-col-header okno-lane-corner")]
    for lane in lanes:
        if lane["id"] is None:
            labels.append(html.Div(html.Div(lane["name"], className="text-muted"), className="okno-lane-label",
                                   **{"data-lane-id": ""}))
            continue
        n, limit = load.get(lane["id"], 0), lane["wip_limit"]
        over = bool(limit) and n > limit
        labels.append(html.Div([html.Div(lane["name"], className="fw-semibold"),
                                html.Span(f"{n} / {limit}" if limit else str(n),
                                          className="badge " + ("text-bg-danger" if over else "text-bg-light"),
                                          title=_("board.lane_load"))],
                               className="okno-lane-label" + (" okno-over-wip" if over else ""),
                               **{"data-lane-id": lane["id"]}))
    return labels


def grid(columns: list[dict], lanes: list[dict], heads: dict, cells: dict, labels: list):
    """The whole board. `lanes` has one pseudo-lane {"id": None} when the board has no lanes."""
    with_lanes = any(lane["id"] is not None for lane in lanes)
    rows = len(lanes) + 1
    template = ("minmax(130px, 170px) " if with_lanes else "") + f"repeat({len(columns)}, minmax(250px, 1fr))"
    style = {"gridTemplateColumns": template, "gridTemplateRows": f"auto repeat({len(lanes)}, auto)"}
    span = {"gridRow": f"1 / span {rows}"}
    # Always present (hidden without lanes) so that the board's callbacks can always write to it.
    children = [html.Div(labels, id="board-lanes", className="okno-lanes",
                         style=span if with_lanes else {"display": "none"})]
    for col in columns:
        cid = col["id"]
        parts = [html.Div(heads.get(cid), id={"type": HEAD, "column": cid}, className="okno-col-head")]
        for lane in lanes:
            key = lane["id"] or 0
            parts.append(html.Div(cells.get((cid, key), []), id={"type": CELL, "column": cid, "lane": key},
                                  className="okno-cell", **{"data-column-id": cid, "data-lane-id": lane["id"] or ""}))
        children.append(html.Div(parts, className="okno-column", style=span, **{"data-column-id": cid}))
    return html.Div(children, className="okno-board", id="board-grid", style=style)


def shape(board) -> tuple[list[dict], list[dict]]:
    """Columns and lanes as plain dicts; a board with lanes also gets a "no lane" row for new cards."""
    columns = [{"id": c.id, "name": c.name, "kind": c.kind} for c in board.columns]
    lanes = [{"id": l.id, "name": l.name, "wip_limit": l.wip_limit, "user_id": l.user_id} for l in board.lanes]
    no_lane = {"id": None, "name": _("board.no_lane"), "wip_limit": None, "user_id": None}
    return columns, ([no_lane] + lanes if lanes else [no_lane])


def render(session, user, board, column_ids, flt, limits, locale, only_cells=None, order=None, revisions=None
           ) -> tuple[dict, dict, list]:
    """Headers of the given columns, their cells (or only `only_cells`: {(column, lane or 0)}), lane labels.
    `order`: "due" puts the soonest SLA due first in each cell (data/boards/view.py ORDERS). With the
    columns' `revisions` ({column: revision} read before the cards), whole columns come from the render
    cache when this worker rendered the same revision lately (components/board_cache.py)."""
    from data.boards import view as board_view
    _columns, lanes = shape(board)
    lane_keys = tuple(lane["id"] or 0 for lane in lanes)
    keys = {}
    if revisions is not None and only_cells is None:
        step = board_view.default_limit(board)
        database = session.get_bind().engine.url.render_as_string(hide_password=True)
        keys = {cid: board_cache.key(database, board.id, cid, revisions.get(cid), lane_keys, asdict(flt) if flt else None,
                                     user.id, (limits or {}).get(str(cid), step), locale, order)
                for cid in (column_ids if column_ids is not None else [c.id for c in board.columns])}
    cached, claimed, busy = {}, [], {}
    for cid, k in keys.items():
        if (hit := board_cache.get(k)) is not None:
            cached[cid] = hit
        elif k is not None and (elsewhere := board_cache.claim(k)) is not None:
            busy[cid] = elsewhere
        elif k is not None:
            claimed.append(k)
    if busy and not claimed:  # the whole team opened the board at once: take what another thread renders
        board_cache.wait(busy)
        cached |= {cid: hit for cid in busy if (hit := board_cache.get(keys[cid])) is not None}
    try:
        wanted = None if column_ids is None else list(column_ids)
        cards_for = None if not cached else [c for c in (wanted or [c.id for c in board.columns]) if c not in cached]
        data, load = board_view.view(session, user, board, wanted, flt, limits, order=order, cards_for=cards_for)
        heads = {cid: _header(col) for cid, col in data.items()}
        cells = {}
        for cid, col in data.items():
            if cid in cached:
                cells |= {(cid, lane): children for lane, children in cached[cid].items()}
                continue
            mine = {lane: cell_children(col, lane, locale) for lane in lane_keys
                    if only_cells is None or (cid, lane) in only_cells}
            board_cache.put(keys.get(cid), mine)
            cells |= {(cid, lane): children for lane, children in mine.items()}
    finally:
        for k in claimed:
            board_cache.release(k)
    with_lanes = any(lane["id"] is not None for lane in lanes)
    return heads, cells, lane_labels(lanes, load) if with_lanes else []


def render_moved(session, user, board, ticket_id: int, column_ids, flt, locale) -> tuple[dict, object, list]:
    """After a move: the headers of `column_ids`, the moved card alone (None when the filter hides it) and
    the lane labels — what a move changes besides the cards' order, without rendering any other card."""
    from data.boards import view as board_view
    _columns, lanes = shape(board)
    data, load = board_view.view(session, user, board, column_ids, flt, None, ticket_id=ticket_id)
    heads = {cid: _header(col) for cid, col in data.items()}
    found = [c for col in data.values() for cell in col["cells"].values() for c in cell["cards"]]
    with_lanes = any(lane["id"] is not None for lane in lanes)
    return heads, (card(found[0], locale) if found else None), lane_labels(lanes, load) if with_lanes else []
