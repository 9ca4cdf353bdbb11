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
from data.errors import NotFound, OknoError, ValidationError
from data.models import InboundMessage, Ticket, User

log = logging.getLogger(__name__)

# channel -> "module:function" handling one stored inbound row; used by ingest() callers and by retry().
HANDLERS: dict[str, str] = {
    "email": "ingest.email.inbound:handle_inbound",
}


@dataclass
class Outcome:
    """What became of a message: processed (ticket/comment), skipped (with reason), quarantined (kept for
    an admin to release or delete), failed, duplicate. `reason` is English for logs and the CLI;
    `reason_key`/`reason_args` the same as a message id, shown in the UI language on the admin pages."""

    state: str
    reason: str | None = None
    ticket_id: int | None = None
    comment_id: int | None = None
    inbound_id: int | None = None
    created: bool = False  # a new ticket (else a comment)
    reason_key: str | None = None
    reason_args: dict | None = None


def content_hash(raw: bytes) -> str:
    """The external id of a message without its own id (e.g. an email without Message-ID)."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def now() -> datetime:
    return datetime.now(timezone.utc)


def _handler(channel: str) -> Callable[[Session, InboundMessage], Outcome]:
    module, name = HANDLERS[channel].split(":")
    return getattr(importlib.import_module(module), name)


def store_raw(session: Session, *, channel: str, source: str, external_id: str, raw: bytes,
              digest: str | None = None) -> int | None:
    """Insert the raw message; None when this channel + source already has it (a redelivery), or, with a
    `digest` (the channel's content hash), when the channel has the same content from any source."""
    external_id = external_id if len(external_id) <= 500 else content_hash(external_id.encode())
    insert = pg_insert(InboundMessage).values(channel=channel, source=source, external_id=external_id, raw=raw,
                                              content_hash=digest)
    # Without a digest only the (channel, source, external_id) key can conflict; with one, either key.
    insert = insert.on_conflict_do_nothing() if digest else \
        insert.on_conflict_do_nothing(index_elements=["channel", "source", "external_id"])
    return session.scalar(insert.returning(InboundMessage.id))


def _failure_reason(err: Exception) -> tuple[str, dict]:
    """A service's refusal keeps its message id (shown in the admin's language); anything else is shown
    as "could not be handled" with the technical error."""
    if isinstance(err, OknoError):
        return err.key, {k: str(v) for k, v in err.values.items()}
    return "ingest.reason.failed", {"error": f"{type(err).__name__}: {err}"[:500]}


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
        row.attempts, (row.reason_key, row.reason_args) = attempts, _failure_reason(err)
        session.flush()
        return Outcome("failed", row.error, inbound_id=row.id)
    row.state, row.error, row.attempts = outcome.state, outcome.reason, attempts
    row.reason_key, row.reason_args = outcome.reason_key, outcome.reason_args or None
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
               InboundMessage.error, InboundMessage.reason_key, InboundMessage.reason_args, InboundMessage.attempts,
               InboundMessage.received_at, func.octet_length(InboundMessage.raw).label("size"))
        .where(InboundMessage.state == "failed").order_by(InboundMessage.received_at.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def recent(session: Session, actor: User, limit: int = 200, states: tuple[str, ...] | None = None) -> list[dict]:
    """The ingest log: the latest messages of every channel with what became of them and why, newest first."""
    permissions.require_role(actor, ("admin",), "errors.action.see_ingest_failures")
    stmt = select(InboundMessage.id, InboundMessage.channel, InboundMessage.source, InboundMessage.external_id,
                  InboundMessage.state, InboundMessage.error, InboundMessage.reason_key, InboundMessage.reason_args,
                  InboundMessage.ticket_id, Ticket.number.label("ticket_number"), InboundMessage.received_at
                  ).outerjoin(Ticket, Ticket.id == InboundMessage.ticket_id)
    if states:
        stmt = stmt.where(InboundMessage.state.in_(states))
    rows = session.execute(stmt.order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(limit))
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
