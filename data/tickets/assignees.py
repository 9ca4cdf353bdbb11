"""Who may be given a ticket from its card: the people who work it.

The card's assignee list and tickets.assign use the same candidates(), so the list never offers anyone the
service would refuse. Narrower than permissions.assignable (which the database also holds): an admin or a
manager of another team may touch a ticket, but they are not the ones who work it.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.models import Board, Team, Ticket, User

WORKERS = ("agent", "manager")  # agents and team leads; admins, analysts and directors don't hold tickets


def candidates(session: Session, ticket: Ticket) -> list[User]:
    """Active agents and team leads of the ticket's board's team (and of the team it was handed to, as a line's
    lane hands a card over without moving it), by name. A shared board (no team): every active agent and lead."""
    teams = {session.scalar(select(Board.team_id).where(Board.id == ticket.board_id)), ticket.team_id} - {None}
    stmt = select(User).where(User.is_active, User.role.in_(WORKERS))
    if teams:
        leads = select(Team.lead_id).where(Team.id.in_(teams), Team.lead_id.is_not(None))
        stmt = stmt.where(or_(User.team_id.in_(teams), User.id.in_(leads)))
    return list(session.scalars(stmt.order_by(User.name, User.id)))


def is_candidate(session: Session, ticket: Ticket, user: User | None) -> bool:
    return user is not None and any(c.id == user.id for c in candidates(session, ticket))
