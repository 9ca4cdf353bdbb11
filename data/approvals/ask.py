"""Asking an approver: a row per approver and step, an in-app notification, and a message in their channel —
Telegram with Approve / Reject buttons (`ap:<row id>:y|n`) for those who chose Telegram, otherwise an email
with two one-click links to /approval/<token>. The token is single-use, expires, and only its hash is kept
(the same scheme as the satisfaction links, data/csat/ask.py)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from data.config import get_config
from data.csat.ask import token_hash
from data.i18n import translate
from data.messaging import outbox
from data.models import Notification, Requester, Ticket, TicketApproval, User

DECISION_WORDS = {"y": "approved", "n": "rejected"}  # Telegram callback letters, and the link's ?d= values
LINK_WORDS = {"approve": "approved", "reject": "rejected"}


def approval_url(token: str) -> str:
    return f"{get_config().public_url.rstrip('/')}/approval/{token}"


def telegram_buttons(row_id: int, locale: str | None) -> list[list[tuple[str, str]]]:
    """The callback names the row only; the chat must be the approver's own (data/approvals/decide.py)."""
    return [[(translate("approvals.approve", locale), f"ap:{row_id}:y"),
             (translate("approvals.reject", locale), f"ap:{row_id}:n")]]


def ask(session: Session, ticket: Ticket, step: int, user: User, now: datetime | None = None) -> TicketApproval:
    """Create the approver's row for this step and tell them; returns the row (its link token is not kept)."""
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(24)
    row = TicketApproval(ticket_id=ticket.id, step=step, approver_id=user.id, token_hash=token_hash(token),
                         asked_at=now, expires_at=now + timedelta(days=max(get_config().approval_link_days, 1)))
    session.add(row)
    session.flush()
    requester = session.get(Requester, ticket.requester_id) if ticket.requester_id else None
    values = dict(number=ticket.number, title=ticket.title, requester=requester.name if requester else "—")
    locale = user.locale
    session.add(Notification(user_id=user.id, ticket_id=ticket.id, kind="approval",
                             text=translate("approvals.notify", locale, **values)))
    if user.notify_channel == "telegram" and user.telegram_chat_id:
        outbox.queue(session, channel="telegram", kind="approval", recipient=user.telegram_chat_id, ticket=ticket,
                     body=translate("approvals.telegram", locale, **values),
                     payload={"buttons": [list(map(list, r)) for r in telegram_buttons(row.id, locale)],
                              "approval_id": row.id})
    elif user.email:
        url = approval_url(token)
        body = translate("approvals.email", locale, approve=f"{url}?d=approve", reject=f"{url}?d=reject",
                         days=max(get_config().approval_link_days, 1), **values)
        outbox.queue(session, channel="email", kind="approval", recipient=user.email, ticket=ticket, body=body,
                     subject=translate("approvals.email.subject", locale, **values),
                     payload={"auto_submitted": True, "approval_id": row.id})
    return row
