"""A reply to a resolved ticket: reopened within the window, after it a new ticket linked to the old one.

The window is the mailbox's `reopen_days`, else OKNO_EMAIL_REOPEN_DAYS (14), counted from the
ticket's resolution. Reopening moves the card to the first open column of its board (the move is an
ordinary one: it counts as a reopen in the metrics). A follow-up ticket and the old one each get an
internal note naming the other.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import get_config
from data.errors import OknoError
from data.i18n import translate
from data.models import BoardColumn, Mailbox, Service, Ticket
from data.tickets import actions as tickets

from ingest.common import now


def window_days(mailbox: Mailbox | None) -> int:
    if mailbox is not None and mailbox.reopen_days is not None:
        return mailbox.reopen_days
    return get_config().email_reopen_days


def within_window(ticket: Ticket, mailbox: Mailbox | None) -> bool:
    """Still young enough to reopen (a ticket with no resolution time is treated as just resolved)."""
    if ticket.resolved_at is None:
        return True
    return ticket.resolved_at >= now() - timedelta(days=window_days(mailbox))


def reopen(session: Session, ticket: Ticket) -> bool:
    """Move a done ticket to its board's first open column; False when the board has none or refuses
    (a WIP limit): the reply is still added, and an agent sees it on the card."""
    column_id = session.scalar(select(BoardColumn.id).where(BoardColumn.board_id == ticket.board_id,
                                                           BoardColumn.kind != "done")
                               .order_by(BoardColumn.position).limit(1))
    if column_id is None:
        return False
    try:
        with session.begin_nested():
            tickets.move(session, None, ticket.id, column_id)
    except OknoError:
        return False
    return True


def service_of(session: Session, ticket: Ticket) -> Service | None:
    """The old ticket's service, when it still has a board: its follow-up belongs there."""
    service = session.get(Service, ticket.service_id) if ticket.service_id else None
    return service if service is not None and service.board_id is not None else None


def link(session: Session, old: Ticket, new: Ticket) -> None:
    """An internal note on each ticket naming the other."""
    tickets.comment(session, None, new.id, translate("email.follow_up_of", None, number=old.number),
                    public=False, system=True)
    tickets.comment(session, None, old.id, translate("email.followed_up_in", None, number=new.number),
                    public=False, system=True)
