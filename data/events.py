"""Writing the append-only ticket history and bumping board revisions (the board polls them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from data.models import Board, BoardColumn, Requester, Ticket, TicketEvent, User

Actor = User | Requester | None  # None: the system (a channel worker, a rule, the scheduler)


def record(session: Session, ticket: Ticket, kind: str, actor: Actor, at: datetime | None = None,
           **values) -> TicketEvent:
    """Append one event; the caller's transaction commits it together with the change."""
    event = TicketEvent(ticket_id=ticket.id, kind=kind,
                        actor_user_id=actor.id if isinstance(actor, User) else None,
                        actor_requester_id=actor.id if isinstance(actor, Requester) else None,
                        **values)
    if at is not None:
        event.at = at
    session.add(event)
    return event


DEFERRED = "okno_deferred_revisions"  # session.info: a batch bumps each board once, at its end


def bump_revision(session: Session, board_id: int, *column_ids: int | None) -> None:
    """Tell pollers that this board (and these columns) changed. Inside defer_revisions() the bump waits for
    the end of the batch: the same transaction, so pollers see the same thing, with one UPDATE per board."""
    deferred = session.info.get(DEFERRED)
    if deferred is not None:
        deferred.setdefault(board_id, set()).update(c for c in column_ids if c is not None)
        return
    session.execute(update(Board).where(Board.id == board_id).values(revision=Board.revision + 1))
    ids = [c for c in column_ids if c is not None]
    if ids:
        session.execute(update(BoardColumn).where(BoardColumn.id.in_(ids))
                        .values(revision=BoardColumn.revision + 1))


def defer_revisions(session: Session) -> None:
    session.info.setdefault(DEFERRED, {})


def flush_revisions(session: Session) -> None:
    """The bumps deferred by defer_revisions(), once per board and column (boards in id order: no deadlock)."""
    deferred = session.info.pop(DEFERRED, None) or {}
    for board_id in sorted(deferred):
        session.execute(update(Board).where(Board.id == board_id).values(revision=Board.revision + 1))
    columns = sorted(set().union(*deferred.values())) if deferred else []
    if columns:
        session.execute(update(BoardColumn).where(BoardColumn.id.in_(columns))
                        .values(revision=BoardColumn.revision + 1))


def actor_name(actor: Actor) -> str:
    return actor.name if actor is not None else "Okno"
