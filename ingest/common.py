"""What every channel does with an incoming message: keep it raw first, then handle it, once.

`ingest()` inserts the raw message into inbound_messages (unique on channel + source +
external_id, so a redelivery is recognised) and, in the same transaction, runs the channel's
handler inside a savepoint. A handler error rolls back only the savepoint: the raw row stays,
marked failed with the reason, and shows in the admin's "ingest failures" list with a retry
button. The caller commits; only then may it acknowledge the message at the source.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data import permissions
from data.errors import NotFound, ValidationError
from data.models import InboundMessage, User

log = logging.getLogger(__name__)

# channel -> "module:function" handling one stored inbound row; used by ingest() callers and by retry().
HANDLERS: dict[str, str] = {
    "email": "ingest.email.inbound:handle_inbound",
}


@dataclass
class Outcome:
    """What became of a message: processed (ticket/comment), skipped (with reason), failed, duplicate."""

    state: str
    reason: str | None = None
    ticket_id: int | None = None
    comment_id: int | None = None
    inbound_id: int | None = None
    created: bool = False  # a new ticket (else a comment)


def content_hash(raw: bytes) -> str:
    """The external id of a message without its own id (e.g. an email without Message-ID)."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


def _handler(channel: str) -> Callable[[Session, InboundMessage], Outcome]:
    module, name = HANDLERS[channel].split(":")
    return getattr(importlib.import_module(module), name)


def store_raw(session: Session, *, channel: str, source: str, external_id: str, raw: bytes) -> int | None:
    """Insert the raw message; None when this channel + source already has it (a redelivery)."""
    external_id = external_id if len(external_id) <= 500 else content_hash(external_id.encode())
    return session.scalar(pg_insert(InboundMessage)
                          .values(channel=channel, source=source, external_id=external_id, raw=raw)
                          .on_conflict_do_nothing(index_elements=["channel", "source", "external_id"])
                          .returning(InboundMessage.id))


def handle(session: Session, row: InboundMessage) -> Outcome:
    """Run the channel's handler in a savepoint; record the outcome on the row."""
    attempts = (row.attempts or 0) + 1  # written with the outcome: one UPDATE, not two
    try:
        with session.begin_nested():
            outcome = _handler(row.channel)(session, row)
    except Exception as err:  # any bad message: keep it, say why, go on with the next one
        log.warning("inbound %s/%s %s failed: %s", row.channel, row.source, row.external_id, err,
                    exc_info=not isinstance(err, ValidationError))
        row.state, row.error, row.processed_at = "failed", f"{type(err).__name__}: {err}"[:4000], now()
        row.attempts = attempts
        session.flush()
        return Outcome("failed", row.error, inbound_id=row.id)
    row.state, row.error, row.attempts = outcome.state, outcome.reason, attempts
    row.ticket_id, row.comment_id, row.processed_at = outcome.ticket_id, outcome.comment_id, now()
    session.flush()
    outcome.inbound_id = row.id
    return outcome


def ingest(session: Session, *, channel: str, source: str, external_id: str, raw: bytes) -> Outcome:
    """Store and handle one message in the caller's transaction. Idempotent on (channel, source, external_id)."""
    inbound_id = store_raw(session, channel=channel, source=source, external_id=external_id, raw=raw)
    if inbound_id is None:
        return Outcome("duplicate", "already received")
    row = session.get(InboundMessage, inbound_id)
    set_committed_value(row, "raw", raw)  # we have it: no second round trip for the deferred column
    return handle(session, row)


def failures(session: Session, actor: User, limit: int = 200) -> list[dict]:
    """The admin's list of messages that could not be handled, newest first."""
    permissions.require_role(actor, ("admin",), "errors.action.see_ingest_failures")
    rows = session.execute(
        select(InboundMessage.id, InboundMessage.channel, InboundMessage.source, InboundMessage.external_id,
               InboundMessage.error, InboundMessage.attempts, InboundMessage.received_at,
               func.octet_length(InboundMessage.raw).label("size"))
        .where(InboundMessage.state == "failed").order_by(InboundMessage.received_at.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def retry(session: Session, actor: User | None, inbound_id: int) -> Outcome:
    """Handle a failed message again (after a fix or a configuration change). Admins only."""
    if actor is not None:
        permissions.require_role(actor, ("admin",), "errors.action.retry_ingest_failures")
    row = session.scalar(select(InboundMessage).where(InboundMessage.id == inbound_id).with_for_update())
    if row is None:
        raise NotFound("errors.inbound_not_found", id=inbound_id)
    if row.state != "failed":
        return Outcome(row.state, "not a failed message", row.ticket_id, row.comment_id, row.id)
    if row.channel not in HANDLERS:  # a channel whose worker picks up received rows itself (Telegram)
        row.state, row.error, row.attempts = "received", None, 0
        return Outcome("received", "queued for the channel's worker", inbound_id=row.id)
    return handle(session, row)
