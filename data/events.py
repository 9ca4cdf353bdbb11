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


def bump_revision(session: Session, board_id: int, *column_ids: int | None) -> None:
    """Tell pollers that this board (and these columns) changed."""
    session.execute(update(Board).where(Board.id == board_id).values(revision=Board.revision + 1))
    ids = [c for c in column_ids if c is not None]
    if ids:
        session.execute(update(BoardColumn).where(BoardColumn.id.in_(ids))
                        .values(revision=BoardColumn.revision + 1))


def actor_name(actor: Actor) -> str:
    return actor.name if actor is not None else "Okno"
