"""Whom to tell about a ticket (assignee, team lead, a team) and telling them through data/messaging/notify.py."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.i18n import N_
from data.models import Board, Team, Ticket, User
from data.messaging.notify import notify_user


def notify(session: Session, user: User | None, ticket: Ticket | None, kind: str, key: str, **values) -> None:
    """One notification to one active user about a ticket (SLA signals, rules, escalation)."""
    notify_user(session, user, ticket, kind, key, N_("sla.notify.subject"), **values)


def team_lead(session: Session, ticket: Ticket) -> User | None:
    """The lead of the ticket's team, else of the assignee's team, else of the board's team."""
    team_ids = [ticket.team_id]
    if ticket.assignee_id:
        team_ids.append(session.scalar(select(User.team_id).where(User.id == ticket.assignee_id)))
    team_ids.append(session.scalar(select(Board.team_id).where(Board.id == ticket.board_id)))
    for team_id in team_ids:
        lead_id = session.scalar(select(Team.lead_id).where(Team.id == team_id)) if team_id else None
        if lead_id:
            return session.get(User, lead_id)
    return None


def assignee_and_lead(session: Session, ticket: Ticket) -> list[User]:
    people = [session.get(User, ticket.assignee_id) if ticket.assignee_id else None, team_lead(session, ticket)]
    seen, result = set(), []
    for p in people:
        if p is not None and p.id not in seen:
            seen.add(p.id)
            result.append(p)
    return result


def team_members(session: Session, team_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.team_id == team_id, User.is_active)))
