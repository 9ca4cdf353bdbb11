"""The admin's block list of email senders: an address (`spam@example.com`) or a whole domain
(`@example.com`). Mail from them goes to quarantine (kept raw, releasable), never straight to a ticket.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data import audit, permissions
from data.errors import Text, ValidationError
from data.intake.requesters import normalise_email
from data.models import BlockedSender, User


def _pattern(value: str) -> str:
    value = (value or "").replace("\x00", "").strip().lower()
    if value.startswith("@"):
        domain = value[1:]
        if "." not in domain or "@" in domain or any(c.isspace() for c in domain) or len(value) > 254:
            raise ValidationError("errors.blocklist_pattern", {"pattern": Text("errors.field.invalid")})
        return value
    try:
        return normalise_email(value)
    except ValidationError:
        raise ValidationError("errors.blocklist_pattern", {"pattern": Text("errors.field.invalid")}) from None


def listing(session: Session, actor: User) -> list[BlockedSender]:
    permissions.require_admin(actor, "errors.action.manage_blocklist")
    return list(session.scalars(select(BlockedSender).order_by(BlockedSender.pattern)))


def add(session: Session, actor: User, pattern: str, note: str | None = None) -> BlockedSender:
    """Block an address or a domain (adding one that is there already returns it)."""
    permissions.require_admin(actor, "errors.action.manage_blocklist")
    pattern = _pattern(pattern)
    row = session.scalar(select(BlockedSender).where(BlockedSender.pattern == pattern))
    if row is not None:
        return row
    row = BlockedSender(pattern=pattern, note=(note or "").strip()[:500] or None, created_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "blocked_sender.create", ("blocked_sender", row.id, pattern),
                 after={"pattern": pattern, "note": row.note})
    return row


def remove(session: Session, actor: User, blocked_id: int) -> bool:
    permissions.require_admin(actor, "errors.action.manage_blocklist")
    return audit.log.delete(session, actor, "blocked_sender", BlockedSender, blocked_id)


def blocked(session: Session, address: str | None) -> str | None:
    """The pattern that blocks this sender, or None."""
    if not address or "@" not in address:
        return None
    domain = "@" + address.rsplit("@", 1)[1].lower()
    if session.info.get("okno_batch"):  # a channel worker's batch reads the (short) list once
        patterns = session.info.get("okno_blocklist")
        if patterns is None:
            patterns = session.info["okno_blocklist"] = set(session.scalars(select(BlockedSender.pattern)))
        return address.lower() if address.lower() in patterns else domain if domain in patterns else None
    return session.scalar(select(BlockedSender.pattern)
                          .where(or_(BlockedSender.pattern == address.lower(), BlockedSender.pattern == domain))
                          .limit(1))
