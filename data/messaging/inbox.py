"""A staff user's in-app notifications (written by data/messaging/notify.py): the bell's count, its list,
marking read. Every function works on the acting user's own rows only; nobody reads another's inbox.

The count is polled by every open page, so it is one index-only probe (ix_notifications_user_unread,
partial on NOT is_read); the list walks ix_notifications_user_recent.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data import permissions
from data.i18n import N_
from data.models import Notification, Ticket, User

ACTION = N_("errors.action.read_notifications")
LIST_SIZE = 15


def _me(user: User | None) -> User:
    return permissions.require_role(user, permissions.READERS, ACTION)


def unread_count(session: Session, user: User) -> int:
    _me(user)
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == user.id, ~Notification.is_read)) or 0


def latest(session: Session, user: User, limit: int = LIST_SIZE) -> list[dict]:
    """The newest notifications, unread or not, with the ticket's number for the link."""
    _me(user)
    rows = session.execute(select(Notification, Ticket.number).outerjoin(Ticket, Ticket.id == Notification.ticket_id)
                           .where(Notification.user_id == user.id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [{"id": n.id, "text": n.text, "kind": n.kind, "at": n.created_at, "read": n.is_read, "number": number}
            for n, number in rows]


def _mark(session: Session, user: User, *where) -> int:
    _me(user)
    result = session.execute(update(Notification).where(Notification.user_id == user.id, ~Notification.is_read, *where)
                             .values(is_read=True).execution_options(synchronize_session=False))
    return result.rowcount or 0


def mark_read(session: Session, user: User, notification_id: int) -> int:
    """Mark one of the user's notifications read (someone else's id changes nothing); how many changed."""
    return _mark(session, user, Notification.id == notification_id)


def mark_all_read(session: Session, user: User) -> int:
    return _mark(session, user)


def mark_ticket_read(session: Session, user: User, number: int) -> int:
    """Opening a card (by its number) reads what the user was told about it."""
    return _mark(session, user, Notification.ticket_id.in_(select(Ticket.id).where(Ticket.number == number)))
