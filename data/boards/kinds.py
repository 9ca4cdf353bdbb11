"""A column's kind is its cards' status: when a lead changes the kind, every card in the column changes status.

The database already made the change (tickets' (column, board, status) refers to the column's (id, board,
kind) ON UPDATE CASCADE, so no card can keep the old status); here the cards get what a move into a
column of the new kind gives them — resolution, start and reopen times (data/tickets/status.py), a new
version, a `moved` event from the old status, and the `moved` hooks (SLA clocks, rules, the requester's
status message) — so the event-sourced analytics see the change at the moment it happened.
"""
from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from data import hooks
from data.events import Actor
from data.models import BoardColumn, Ticket, TicketEvent, User
from data.tickets import status as statuses
from data.tickets.actions import now


def cards_follow_kind(session: Session, actor: User, column: BoardColumn, old_kind: str) -> int:
    """Give the column's cards its new kind as their status (see the module docstring); returns how many.
    Call after the column's new kind was flushed, under tickets.lock_placement(column)."""
    when = now()
    values = statuses.entering(column.kind, from_status=old_kind, column_changed=False, started=False, when=when)
    if "started_at" in values:  # only the cards never in progress before start now
        values["started_at"] = func.coalesce(Ticket.started_at, when)
    cards = session.execute(update(Ticket).where(Ticket.board_id == column.board_id, Ticket.column_id == column.id)
                            .values(version=Ticket.version + 1, updated_at=when, **values)
                            .returning(Ticket.id, Ticket.lane_id, Ticket.board_id, Ticket.assignee_id)
                            .execution_options(synchronize_session=False)).all()
    if not cards:
        return 0
    session.execute(insert(TicketEvent), [
        {"ticket_id": c.id, "kind": "moved", "at": when, "actor_user_id": _user_id(actor), "board_id": c.board_id,
         "from_column_id": column.id, "to_column_id": column.id, "from_lane_id": c.lane_id, "to_lane_id": c.lane_id,
         "from_status": old_kind, "to_status": column.kind, "data": {"column_kind_changed": True}}
        for c in cards])
    for card in session.scalars(select(Ticket).where(Ticket.id.in_([c.id for c in cards]))
                                .execution_options(populate_existing=True)):
        old = {"column": column.id, "lane": card.lane_id, "status": old_kind, "board": card.board_id,
               "assignee": card.assignee_id}
        hooks.fire(session, "moved", card, actor, old=old)
    return len(cards)


def _user_id(actor: Actor) -> int | None:
    return actor.id if isinstance(actor, User) else None
