"""Demo mode's mailbox: what Okno would send (portal PINs, replies, notifications), readable by admins on
`/dev/outbox` so a reviewer can sign in to the portal without a mail server. Outside demo mode it doesn't
exist: the outbox holds requesters' mail and PINs, which nobody reads in the app."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import permissions
from data.config import get_config
from data.errors import NotFound
from data.i18n import N_
from data.models import Outbox, User

ACTION = N_("errors.action.read_dev_outbox")


def available() -> bool:
    return get_config().demo


def recent(session: Session, actor: User, limit: int = 100) -> list[dict]:
    """The newest outgoing messages, newest first (demo mode and admins only)."""
    permissions.require_admin(actor, ACTION)
    if not available():
        raise NotFound("notfound")
    rows = session.scalars(select(Outbox).order_by(Outbox.id.desc()).limit(limit))
    return [{"id": r.id, "channel": r.channel, "kind": r.kind, "recipient": r.recipient, "subject": r.subject or "",
             "body": r.body, "state": r.state, "at": r.created_at} for r in rows]
