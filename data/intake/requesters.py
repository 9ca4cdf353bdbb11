"""Requesters and their channel identities: find or create by email or Telegram, and link them.

One person, however many channels: a Telegram identity is merged into the email requester once the
person proves the address with a PIN (data.intake.pins, purpose "link"); their requests move with them.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parseaddr

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data.errors import NotFound, Text, ValidationError
from data.models import Comment, Requester, RequesterIdentity, Ticket, TicketEvent

log = logging.getLogger(__name__)


def normalise_email(address: str) -> str:
    """The bare, lower-cased address, or ValidationError."""
    _name, addr = parseaddr((address or "").replace("\x00", "").strip())
    addr = addr.strip().lower()
    local, _, domain = addr.partition("@")
    if not local or "." not in domain or len(addr) > 254 or any(c.isspace() for c in addr):
        raise ValidationError("errors.not_an_email", {"email": Text("errors.field.email")})
    return addr


IDENTITIES = "okno_identities"  # session.info in a channel batch: {(channel, address): identity} read at once


def _identity(session: Session, channel: str, address: str) -> RequesterIdentity | None:
    known = session.info.get(IDENTITIES)
    if known is not None and (channel, address) in known:  # a batch read its senders' identities together
        return known[(channel, address)]
    return session.scalar(select(RequesterIdentity).where(RequesterIdentity.channel == channel,
                                                          RequesterIdentity.address == address))


def find_by_email(session: Session, address: str) -> Requester | None:
    ident = _identity(session, "email", normalise_email(address))
    return session.get(Requester, ident.requester_id) if ident else None


def _claim(session: Session, channel: str, address: str, requester: Requester,
           display: str | None = None) -> RequesterIdentity:
    """Give the address to `requester` (new, not yet flushed), or find who has it already.

    Two first messages from one address at once (a double-clicked form, two mails) both miss the
    identity; the unique (channel, address) lets one insert win and `ON CONFLICT DO NOTHING` makes the
    other wait for it and then read the winner, instead of failing. The loser's requester row is
    dropped before anyone could see it."""
    session.add(requester)
    session.flush()
    claimed = session.scalar(pg_insert(RequesterIdentity)
                             .values(requester_id=requester.id, channel=channel, address=address, display=display)
                             .on_conflict_do_nothing(index_elements=["channel", "address"])
                             .returning(RequesterIdentity.id))
    if claimed is None:
        session.delete(requester)
        session.flush()
    known = session.info.get(IDENTITIES)
    if known is not None:  # a batch may remember "nobody has it": read who has it now (ours or the winner)
        known.pop((channel, address), None)
    return _identity(session, channel, address)


def find_or_create_by_email(session: Session, address: str, name: str | None = None) -> Requester:
    """The requester who writes from this address; a new one (named after the address) if unknown."""
    addr = normalise_email(address)
    ident = _identity(session, "email", addr)
    if ident is None:
        ident = _claim(session, "email", addr, Requester(name=(name or "").strip()[:200] or addr, email=addr))
    requester = session.get(Requester, ident.requester_id)
    if name and requester.name == requester.email and name.strip():
        requester.name = name.strip()[:200]  # a real name beats the address we used as one
    return requester


def find_or_create_by_telegram(session: Session, chat_id, name: str, username: str | None = None) -> Requester:
    """The requester behind this Telegram chat; a new one if unknown. `display` keeps the @username."""
    address = str(chat_id).strip()
    if not address.lstrip("-").isdigit():
        raise ValidationError("errors.chat_id_number", {"chat_id": Text("errors.field.invalid")})
    display = f"@{username.lstrip('@')}" if username else None
    ident = _identity(session, "telegram", address)
    if ident is None:
        ident = _claim(session, "telegram", address,
                       Requester(name=(name or "").strip()[:200] or display or f"Telegram {address}"), display)
    if display and ident.display != display:
        ident.display = display
    if ident.unreachable_at is not None:  # they write again: they unblocked the bot or restarted the chat
        ident.unreachable_at = ident.unreachable_reason = None
    return session.get(Requester, ident.requester_id)


def mark_unreachable(session: Session, channel: str, address: str, reason: str,
                     at: datetime | None = None) -> RequesterIdentity | None:
    """The channel refused this address for good; the card shows it and replies use another identity.
    Returns the identity (None when the address is no requester's, e.g. a staff member's chat)."""
    ident = _identity(session, channel, str(address).strip())
    if ident is not None:
        ident.unreachable_at = at or datetime.now(timezone.utc)
        ident.unreachable_reason = reason[:2000]
    return ident


def unreachable(session: Session, requester_id: int) -> list[RequesterIdentity]:
    """The requester's identities the channels can no longer reach (shown on the card)."""
    return list(session.scalars(select(RequesterIdentity).where(
        RequesterIdentity.requester_id == requester_id, RequesterIdentity.unreachable_at.is_not(None))
        .order_by(RequesterIdentity.id)))


def note_locale(requester: Requester, locale: str) -> None:
    """Keep the language a requester first wrote in: notices sent later (status changes) speak it."""
    if requester.locale is None:
        requester.locale = locale


def addresses(session: Session, requester_id: int) -> list[str]:
    return list(session.scalars(select(RequesterIdentity.address).where(
        RequesterIdentity.requester_id == requester_id, RequesterIdentity.channel == "email")))


def link_identities(session: Session, email: str, chat_id, name: str | None = None,
                    username: str | None = None, at: datetime | None = None) -> Requester:
    """Merge the Telegram chat's requester into the email's requester. Call only after the person
    proved the email (pins.verify with purpose "link" returns the payload to pass here).

    Tickets, comments and events of the Telegram requester move to the email requester, so the portal
    shows requests from both channels. Returns the surviving (email) requester.
    """
    target = find_or_create_by_email(session, email, name)
    address = str(chat_id).strip()
    ident = _identity(session, "telegram", address)
    when = at or datetime.now(timezone.utc)
    if ident is None:
        find_or_create_by_telegram(session, address, name or target.name, username)
        ident = _identity(session, "telegram", address)
    if ident.requester_id != target.id:
        old_id = ident.requester_id
        for model, column in ((Ticket, Ticket.requester_id), (Comment, Comment.author_requester_id),
                              (TicketEvent, TicketEvent.actor_requester_id)):
            session.execute(update(model).where(column == old_id).values({column.key: target.id})
                            .execution_options(synchronize_session=False))
        session.execute(update(RequesterIdentity).where(RequesterIdentity.requester_id == old_id)
                        .values(requester_id=target.id).execution_options(synchronize_session=False))
        session.expire_all()  # the bulk updates bypassed the identity map
        old = session.get(Requester, old_id)
        if old is not None:
            session.delete(old)
        log.info("requester %s (telegram %s) merged into requester %s", old_id, address, target.id)
    session.flush()
    for i in session.scalars(select(RequesterIdentity).where(RequesterIdentity.requester_id == target.id)):
        if i.channel == "email" and i.address == normalise_email(email) or i.channel == "telegram" and i.address == address:
            i.verified_at = i.verified_at or when
    session.flush()
    return session.get(Requester, target.id)


def get(session: Session, requester_id: int) -> Requester:
    requester = session.get(Requester, requester_id)
    if requester is None:
        raise NotFound("errors.requester_not_found")
    return requester
