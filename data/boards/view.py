"""What a board shows: the cards of some columns, per lane, in one aggregated query.

A column shows at most `limit` cards per lane (the page asks for more with "show more"), so a
board with thousands of open cards renders quickly. Done columns show recently resolved cards
only (DONE_DAYS). Counts for WIP limits are taken over the whole column, not the filtered view.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.sla import signal as sla_signal
from data.tickets.filters import TicketFilter, where
from data.models import Board, User

DEFAULT_LIMIT = 30
LANE_LIMIT = 8  # per lane on boards with lanes, so that every lane stays on screen
DONE_DAYS = 14
# How a cell orders its cards: as the team arranged them, or soonest SLA due first (cards without a
# running SLA last, then as arranged). The "show more" cut follows the same order.
ORDERS = {"position": "t.position, t.id", "due": "t.sla_due_at ASC NULLS LAST, t.position, t.id"}

CARDS_SQL = """
WITH visible AS (
  SELECT t.id, t.column_id, t.lane_id, t.position,
         row_number() OVER (PARTITION BY t.column_id, t.lane_id ORDER BY {order}) AS rn,
         count(*) OVER (PARTITION BY t.column_id, t.lane_id) AS cell_total
  FROM tickets t JOIN board_columns c ON c.id = t.column_id
  WHERE t.board_id = :board AND t.column_id = ANY(:columns)
    AND (c.kind <> 'done' OR t.resolved_at >= now() - make_interval(days => :done_days)) {filters}
)
SELECT v.column_id, v.lane_id, v.cell_total, t.id, t.number, t.title, t.version, t.channel, t.blocked,
       t.blocked_reason, t.status, t.created_at, t.column_entered_at, t.card_type, t.tags, t.sla_due_at,
       t.sla_at_risk_at,
       coalesce(t.sla_first_response_breached, false) OR coalesce(t.sla_resolution_breached, false) AS sla_breached,
       r.name AS requester, s.name AS service, rt.name AS type, p.name_ru AS priority_ru, p.name_en AS priority_en,
       p.color AS priority_color, p.rank AS priority_rank, u.name AS assignee, t.assignee_id,
       cl.done AS checklist_done, cl.total AS checklist_total, ch.done AS children_done, ch.total AS children_total,
       (SELECT f.state FROM approval_flows f WHERE f.ticket_id = t.id) AS approval
FROM visible v
JOIN tickets t ON t.id = v.id
LEFT JOIN requesters r ON r.id = t.requester_id
LEFT JOIN services s ON s.id = t.service_id
LEFT JOIN request_types rt ON rt.id = t.request_type_id
LEFT JOIN priorities p ON p.id = t.priority_id
LEFT JOIN users u ON u.id = t.assignee_id
LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE i.done) AS done, count(*) AS total
                   FROM checklist_items i WHERE i.ticket_id = t.id) cl ON true
LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE k.status = 'done') AS done, count(*) AS total
                   FROM tickets k WHERE k.parent_id = t.id) ch ON true
WHERE v.rn <= coalesce((CAST(:limits AS jsonb) ->> v.column_id::text)::int, :limit)
ORDER BY v.column_id, v.lane_id NULLS FIRST, v.rn
"""

# Whole-column counts (for WIP limits) ignore the filter: the limit is about the team's work.
# The same pass counts open cards per lane (an agent's load), via grouping sets.
COUNTS_SQL = """
SELECT t.column_id, t.lane_id, count(*) AS cards, count(*) FILTER (WHERE t.status <> 'done') AS open_cards
FROM tickets t
WHERE t.board_id = :board AND (t.status <> 'done' OR t.resolved_at >= now() - make_interval(days => :done_days))
GROUP BY GROUPING SETS ((t.column_id), (t.lane_id))
"""


def counts(session: Session, board: Board) -> tuple[dict[int, int], dict[int, int]]:
    """(cards per column, open cards per lane) for the whole board in one query."""
    per_column, per_lane = {}, {}
    for column_id, lane_id, cards, open_cards in session.execute(text(COUNTS_SQL),
                                                                 {"board": board.id, "done_days": DONE_DAYS}):
        if column_id is not None:
            per_column[column_id] = cards
        elif lane_id is not None:
            per_lane[lane_id] = open_cards
    return per_column, per_lane


def _card(row, now: datetime, time_limit: int | None) -> dict:
    overdue_at = None
    if time_limit:
        overdue_at = row.column_entered_at.timestamp() + time_limit * 60
    return {
        "id": row.id, "number": row.number, "title": row.title, "version": row.version, "channel": row.channel,
        "blocked": row.blocked, "blocked_reason": row.blocked_reason, "card_type": row.card_type,
        "tags": list(row.tags or []),
        "approval": row.approval,  # pending while it waits for approval (data/approvals)
        "requester": row.requester, "service": row.service, "type": row.type, "assignee": row.assignee,
        "assignee_id": row.assignee_id, "lane_id": row.lane_id,
        "priority": {"ru": row.priority_ru, "en": row.priority_en, "color": row.priority_color,
                     "rank": row.priority_rank} if row.priority_ru else None,
        "age_minutes": int((now - row.created_at).total_seconds() // 60),
        "in_column_minutes": int((now - row.column_entered_at).total_seconds() // 60),
        "overdue_at": overdue_at, "overdue": overdue_at is not None and now.timestamp() >= overdue_at,
        # The running SLA's due time (epoch seconds) for the card's due indicator; none once done.
        "due_at": row.sla_due_at.timestamp() if row.sla_due_at is not None and row.status != "done" else None,
        "sla": sla_signal.signal(due_at=row.sla_due_at, at_risk_at=row.sla_at_risk_at, breached=row.sla_breached,
                                 now=now),
        "checklist": [row.checklist_done, row.checklist_total] if row.checklist_total else None,
        "children": [row.children_done, row.children_total] if row.children_total else None,
    }


def columns(session: Session, user: User, board: Board, column_ids: list[int] | None = None,
            flt: TicketFilter | None = None, limits: dict | None = None, limit: int | None = None,
            now: datetime | None = None) -> dict[int, dict]:
    """The cards of the given columns (all when None), grouped by lane, with counts and limit flags."""
    return view(session, user, board, column_ids, flt, limits, limit, now)[0]


def view(session: Session, user: User, board: Board, column_ids: list[int] | None = None,
         flt: TicketFilter | None = None, limits: dict | None = None, limit: int | None = None,
         now: datetime | None = None, ticket_id: int | None = None, order: str | None = None,
         cards_for: list[int] | None = None) -> tuple[dict[int, dict], dict[int, int]]:
    """(columns as in `columns`, open cards per lane): two queries for everything a board callback sends.
    With `ticket_id`, the cells hold only that card (if the filter shows it); headers and counts are whole.
    `order` is a key of ORDERS (anything else: as arranged). `cards_for`: read the cards of only these
    columns (the others' cells come from the page's render cache); headers and counts stay whole."""
    now = now or datetime.now(timezone.utc)
    cols = {c.id: c for c in board.columns}
    wanted = [c for c in (column_ids if column_ids is not None else cols) if c in cols]
    out = {cid: {"id": cid, "name": cols[cid].name, "kind": cols[cid].kind, "wip_limit": cols[cid].wip_limit,
                 "wip_hard": cols[cid].wip_hard, "time_limit": cols[cid].time_limit_minutes, "count": 0,
                 "over_wip": False, "cells": {}} for cid in wanted}
    if not wanted:
        return out, {}
    with_cards = wanted if cards_for is None else [c for c in wanted if c in cards_for]
    if with_cards:
        _read_cards(session, user, board, out, with_cards, flt, limits, limit, now, ticket_id, order)
    per_column, per_lane = counts(session, board)
    for cid, col in out.items():
        count = col["count"] = per_column.get(cid, 0)
        col["over_wip"] = bool(col["wip_limit"]) and count > col["wip_limit"]
        col["at_wip"] = bool(col["wip_limit"]) and count >= col["wip_limit"]
    return out, per_lane


def _read_cards(session: Session, user: User, board: Board, out: dict, column_ids: list[int], flt, limits, limit,
                now: datetime, ticket_id: int | None, order: str | None) -> None:
    cols = {c.id: c for c in board.columns}
    params = {"board": board.id, "columns": column_ids, "done_days": DONE_DAYS,
              "limit": limit or default_limit(board), "limits": _limits_json(limits)}
    conditions, filter_params = where(flt or TicketFilter(), "t", me=user.id)
    params |= filter_params
    if ticket_id is not None:
        conditions, params["only_ticket"] = f"{conditions} AND t.id = :only_ticket", ticket_id
    sql = CARDS_SQL.format(filters=f" AND {conditions}", order=ORDERS.get(order or "", ORDERS["position"]))
    for row in session.execute(text(sql), params):
        cell = out[row.column_id]["cells"].setdefault(row.lane_id or 0, {"cards": [], "total": row.cell_total})
        cell["cards"].append(_card(row, now, cols[row.column_id].time_limit_minutes))


def default_limit(board: Board) -> int:
    return LANE_LIMIT if board.lanes else DEFAULT_LIMIT


def _limits_json(limits: dict | None) -> str:
    clean = {}
    for key, value in (limits or {}).items():
        try:
            clean[str(int(key))] = max(1, min(int(value), 2000))
        except (TypeError, ValueError):
            continue
    return json.dumps(clean)
