"""A move as the board sends it: validate the browser's payload, place the card between its new
neighbours, and call tickets.move with the card's version (so a stale card is refused).

The payload is untrusted (a forged callback can send anything): ids are checked here and
permissions in tickets.move.
"""
from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.tickets import actions as tickets
from data.errors import Text, ValidationError
from data.models import BoardColumn, Ticket, User


def _id(payload: dict, key: str, required: bool = True) -> int | None:
    value = payload.get(key)
    if value in (None, "", 0) and not required:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError("errors.bad_move_value", {key: Text("errors.field.invalid")}, key=key) from None
    if number <= 0:
        raise ValidationError("errors.bad_move_value", {key: Text("errors.field.invalid")}, key=key)
    return number


def position_between(session: Session, column_id: int, after: int | None, before: int | None) -> float | None:
    """A position between the card above (after) and the card below (before); None = top of the column.

    Call under tickets.lock_placement(column): when the two neighbours leave no room between them (equal
    positions, or a gap halved until floats run out) the column is re-spaced first, so the card lands
    exactly where it was dropped."""
    ids = [i for i in (after, before) if i]
    if not ids:
        return None
    found = _positions(session, column_id, ids)
    above, below = found.get(after), found.get(before)
    if above is not None and below is not None:
        middle = (above + below) / 2
        if not above < middle < below:
            _respace(session, column_id)
            found = _positions(session, column_id, ids)
            above, below = found[after], found[before]
            middle = (above + below) / 2
        return middle
    if above is not None:
        return above + 1.0
    if below is not None:
        return below - 1.0
    return None


def _positions(session: Session, column_id: int, ids: list[int]) -> dict[int, float]:
    return dict(session.execute(select(Ticket.id, Ticket.position)
                                .where(Ticket.id.in_(ids), Ticket.column_id == column_id)).all())


def _respace(session: Session, column_id: int) -> None:
    """Positions 1, 2, 3... in the order the board shows (position, then id); versions stay, as nothing
    a person sees changed."""
    board_id = session.scalar(select(BoardColumn.board_id).where(BoardColumn.id == column_id))
    session.execute(text("""
        UPDATE tickets t SET position = r.n
          FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS n
                  FROM tickets WHERE board_id = :board AND column_id = :column) r
         WHERE t.id = r.id AND t.position IS DISTINCT FROM r.n"""), {"board": board_id, "column": column_id})
    session.expire_all()


def apply(session: Session, user: User, payload: dict | None) -> Ticket:
    """Apply {ticket, version, column, lane, after, before} from the board."""
    if not isinstance(payload, dict):
        raise ValidationError("errors.bad_move")
    ticket_id, column_id = _id(payload, "ticket"), _id(payload, "column")
    lane_id = _id(payload, "lane", required=False)
    version = _id(payload, "version")
    after, before = _id(payload, "after", required=False), _id(payload, "before", required=False)
    if after == ticket_id:
        after = None
    if before == ticket_id:
        before = None
    ticket, column = session.get(Ticket, ticket_id), session.get(BoardColumn, column_id)
    if ticket is not None and column is not None:  # (tickets.move reports a missing one)
        tickets.lock_placement(session, column, ticket)  # the neighbours' positions are read under the lock
    position = position_between(session, column_id, after, before)
    return tickets.move(session, user, ticket_id, column_id, lane_id, expected_version=version, position=position)
