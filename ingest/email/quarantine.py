"""Quarantine, not loss: mail that must not become a ticket on its own, kept raw for an admin to judge.

A message goes to quarantine (inbound_messages.state = 'quarantined', with a reason key) when it is
larger than OKNO_MAX_MESSAGE_MB, comes from a blocked sender (Admin → Quarantine → Block list),
cannot be parsed, or looks like spam: X-Spam-Flag: YES, X-Spam-Status: Yes, a spam score at or above
OKNO_SPAM_SCORE (X-Spam-Score, X-Spam-Level stars, Exchange's SCL), Yandex's X-Yandex-Spam: 4,
Mail.ru's X-Mras: spam. The admin views the raw message, releases it (it is then handled like any
message: a ticket, or a comment when it answers one) or deletes it.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit, permissions
from data.config import get_config
from data.errors import NotFound
from data.intake import blocklist
from data.models import InboundMessage, User

from ingest.common import Outcome, handle
from ingest.email.parse import ParsedEmail

RELEASABLE = ("quarantined", "skipped")  # a skipped message (bulk mail, say) may be released too
_SCL = re.compile(r"\bSCL:\s*(-?\d+)", re.IGNORECASE)


def _score(value: str) -> float | None:
    found = re.search(r"(-?\d+(?:[.,]\d+)?)", value or "")
    return float(found.group(1).replace(",", ".")) if found else None


def spam_sign(headers: dict[str, str]) -> str | None:
    """Which header says the message is spam, or None."""
    limit = get_config().spam_score
    if headers.get("x-spam-flag", "").strip().lower().startswith("yes"):
        return "X-Spam-Flag: YES"
    status = headers.get("x-spam-status", "").strip()
    if status.lower().startswith("yes"):
        return "X-Spam-Status: " + status[:60]
    score = _score(headers.get("x-spam-score", ""))
    if score is not None and score >= limit:
        return f"X-Spam-Score: {score:g}"
    stars = headers.get("x-spam-level", "").strip()
    if stars and set(stars) == {"*"} and len(stars) >= limit:
        return f"X-Spam-Level: {stars}"
    if headers.get("x-yandex-spam", "").strip() == "4":
        return "X-Yandex-Spam: 4"
    if "spam" in headers.get("x-mras", "").lower():
        return "X-Mras: " + headers["x-mras"].strip()[:40]
    scl = _score(headers.get("x-ms-exchange-organization-scl", "")) or \
        next((float(m) for m in _SCL.findall(headers.get("x-forefront-antispam-report", ""))), None)
    if scl is not None and scl >= limit:
        return f"SCL: {scl:g}"
    return None


def _quarantine(key: str, reason: str, **args) -> Outcome:
    return Outcome("quarantined", reason, reason_key=key, reason_args=args)


def oversized(raw: bytes) -> Outcome | None:
    limit = get_config().max_message_bytes
    if len(raw) <= limit:
        return None
    size_mb, limit_mb = round(len(raw) / 1048576, 1), limit // 1048576
    return _quarantine("quarantine.reason.oversized", f"oversized: {size_mb} MB over the {limit_mb} MB limit",
                       size=size_mb, limit=limit_mb)


def unparsable(err: Exception) -> Outcome:
    return _quarantine("quarantine.reason.unparsable", f"cannot be parsed: {type(err).__name__}: {err}"[:500],
                       error=f"{type(err).__name__}: {err}"[:300])


def suspicious(session: Session, mail: ParsedEmail) -> Outcome | None:
    """A blocked sender or spam: quarantined (checked before anything is written)."""
    pattern = blocklist.blocked(session, mail.from_address)
    if pattern:
        return _quarantine("quarantine.reason.blocked", f"blocked sender ({pattern})", pattern=pattern)
    sign = spam_sign(mail.headers)
    if sign:
        return _quarantine("quarantine.reason.spam", f"spam ({sign})", sign=sign)
    return None


# ---- the admin's quarantine: list, view, release, delete ----

def listing(session: Session, actor: User, limit: int = 200) -> list[dict]:
    permissions.require_admin(actor, "errors.action.manage_quarantine")
    rows = session.execute(
        select(InboundMessage.id, InboundMessage.source, InboundMessage.external_id, InboundMessage.error,
               InboundMessage.reason_key, InboundMessage.reason_args, InboundMessage.received_at,
               func.octet_length(InboundMessage.raw).label("size"))
        .where(InboundMessage.state == "quarantined").order_by(InboundMessage.received_at.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def _row(session: Session, inbound_id: int, lock: bool = False) -> InboundMessage:
    stmt = select(InboundMessage).where(InboundMessage.id == inbound_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound("errors.inbound_not_found", id=inbound_id)
    return row


def raw_message(session: Session, actor: User, inbound_id: int) -> bytes:
    """The message as it came (for the admin's "view" and download)."""
    permissions.require_admin(actor, "errors.action.manage_quarantine")
    return _row(session, inbound_id).raw


def release(session: Session, actor: User, inbound_id: int) -> Outcome:
    """Handle a quarantined (or skipped) message as an ordinary one: a ticket, or a comment on its ticket."""
    permissions.require_admin(actor, "errors.action.manage_quarantine")
    row = _row(session, inbound_id, lock=True)
    if row.state not in RELEASABLE or row.channel != "email":
        return Outcome(row.state, "not in quarantine", row.ticket_id, row.comment_id, row.id)
    session.info["email_release"] = True  # the handler skips the checks that put it here
    try:
        outcome = handle(session, row)
    finally:
        session.info.pop("email_release", None)
    audit.record(session, actor, "inbound.release", ("inbound_message", row.id, row.external_id),
                 after={"state": outcome.state, "ticket_id": outcome.ticket_id})
    return outcome


def remove(session: Session, actor: User, inbound_id: int) -> bool:
    """Delete a quarantined message: its raw bytes go; the row stays, skipped as deleted by an admin, so
    that the same message fetched again is recognised as a repeat and not quarantined a second time."""
    permissions.require_admin(actor, "errors.action.manage_quarantine")
    row = session.scalar(select(InboundMessage).where(InboundMessage.id == inbound_id,
                                                      InboundMessage.state == "quarantined").with_for_update())
    if row is None:
        return False
    before = {"state": row.state, "reason": row.error}
    row.state, row.raw, row.error = "skipped", b"", f"deleted from quarantine ({row.error})"[:4000]
    row.reason_args = {"reason_key": row.reason_key, **(row.reason_args or {})}
    row.reason_key = "quarantine.reason.deleted"
    session.flush()
    audit.record(session, actor, "inbound.delete", ("inbound_message", inbound_id, row.external_id),
                 before=before, after={"state": "skipped"})
    return True
