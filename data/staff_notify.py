"""Telling staff about a ticket: an in-app notification, plus email or Telegram per the user's notify_channel."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outbox
from .i18n import translate
from .models import Board, Notification, Team, Ticket, User


def notify(session: Session, user: User | None, ticket: Ticket | None, kind: str, key: str, **values) -> None:
    """One notification to one active user, in their language, through the channel they chose."""
    if user is None or not user.is_active:
        return
    text = translate(key, user.locale or "ru", **values)
    session.add(Notification(user_id=user.id, ticket_id=ticket.id if ticket else None, kind=kind[:30], text=text))
    subject = translate("sla.notify.subject", user.locale or "ru", number=ticket.number) if ticket else "Okno"
    if user.notify_channel == "email" and user.email:
        outbox.queue(session, channel="email", kind="notification", recipient=user.email, body=text,
                     subject=subject, ticket=ticket)
    elif user.notify_channel == "telegram" and user.telegram_chat_id:
        outbox.queue(session, channel="telegram", kind="notification", recipient=user.telegram_chat_id, body=text,
                     ticket=ticket)


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
