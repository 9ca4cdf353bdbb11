"""The card's status control: put a ticket into another column of its board, or resolve it.

Both go through tickets.move, the service a drag on the board ends in (data/boards/moves.py), so the
`moved` event, the SLA clock, the outbox and the notifications are exactly those of a board move. The
card keeps its lane, lands at the top of the column (as a drop with no neighbours does) and the
version the card was drawn with is checked, so a stale card is refused like a stale board.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import Text, ValidationError
from data.models import BoardColumn, Ticket, User
from data.tickets import actions as tickets
from data.tickets.status import DONE


def columns(session: Session, ticket: Ticket) -> list[BoardColumn]:
    """The columns of the ticket's board, in the board's order: what the status select offers."""
    return list(session.scalars(select(BoardColumn).where(BoardColumn.board_id == ticket.board_id)
                                .order_by(BoardColumn.position)))


def set_column(session: Session, user: User, ticket_id: int, column_id: int,
               expected_version: int | None = None) -> Ticket:
    """Move the ticket to another column of its own board (permissions in tickets.move)."""
    ticket = tickets.get(session, user, ticket_id)
    column = session.get(BoardColumn, column_id) if column_id else None
    if column is None or column.board_id != ticket.board_id:
        raise ValidationError("errors.column_not_on_board", {"column": Text("errors.field.invalid")})
    if column.id == ticket.column_id:
        return ticket
    return tickets.move(session, user, ticket.id, column.id, ticket.lane_id, expected_version=expected_version)


def resolve(session: Session, user: User, ticket_id: int, expected_version: int | None = None) -> Ticket:
    """Move the ticket into its board's first "done" column."""
    ticket = tickets.get(session, user, ticket_id)
    if ticket.status == DONE:
        raise ValidationError("card.already_resolved", number=ticket.number)
    done = next((c for c in columns(session, ticket) if c.kind == DONE), None)
    if done is None:
        raise ValidationError("card.no_done_column")
    return tickets.move(session, user, ticket.id, done.id, ticket.lane_id, expected_version=expected_version)
