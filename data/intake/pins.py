"""One-time PINs by email: the requester portal's login, and the proof behind linking Telegram to an email.

Rules: 6 digits, stored as an HMAC (keyed by SECRET_KEY), valid 10 minutes, single use, a new code
supersedes the older ones, at most OKNO_PIN_SENDS_PER_ADDRESS / OKNO_PIN_SENDS_PER_IP codes an hour.
Wrong tries are limited by requester AND by client address, so a stranger cannot lock a requester out:
OKNO_PIN_ATTEMPTS wrong tries per code from one client address lock that address out of that code
(the requester at another address can still use it); OKNO_PIN_FAILURES_PER_IP wrong tries an hour from
one address over all codes stop that address; OKNO_PIN_ATTEMPTS_TOTAL wrong tries per code from all
addresses kill the code (bounds guessing from many addresses: 50 of a million). Lockouts are logged.
The code travels through the outbox; once delivered, the body is blanked (redact_delivered).
The answer to "send me a code" is the same whether the address is known or not: anyone may use the
portal, so a code goes to every well-formed address, and the requester is created when it is verified.
The code travels through the outbox (channel email, kind "pin").
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data import audit
from data.messaging import outbox
from data.intake import requesters
from data.config import get_config
from data.errors import LimitExceeded
from data.i18n import N_, translate
from data.models import Outbox, PinFailure, PortalPin, Requester, RequesterIdentity

log = logging.getLogger(__name__)
TTL = timedelta(minutes=10)
WINDOW = timedelta(hours=1)


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(timezone.utc)


def _hash(address: str, pin: str) -> str:
    key = get_config().secret_key.encode()
    return hmac.new(key, f"{address}:{pin}".encode(), hashlib.sha256).hexdigest()


def request_pin(session: Session, address: str, ip: str | None = None, *, purpose: str = "login",
                payload: dict | None = None, locale: str | None = None, at: datetime | None = None) -> None:
    """Queue a new code to the address. Raises ValidationError (malformed address) or LimitExceeded."""
    cfg, when = get_config(), _now(at)
    addr = requesters.normalise_email(address)
    since = when - WINDOW
    sent_to_address = session.scalar(select(func.count()).select_from(PortalPin).where(
        PortalPin.address == addr, PortalPin.created_at > since))
    if sent_to_address >= cfg.pin_sends_per_address:
        log.warning("PIN send limit reached for %s (ip %s)", addr, ip)
        raise LimitExceeded("errors.pin_limit_address")
    if ip:
        sent_from_ip = session.scalar(select(func.count()).select_from(PortalPin).where(
            PortalPin.ip == ip, PortalPin.created_at > since))
        if sent_from_ip >= cfg.pin_sends_per_ip:
            log.warning("PIN send limit reached for ip %s", ip)
            raise LimitExceeded("errors.pin_limit_network")
    # A new code supersedes the older ones: only the latest works.
    session.execute(update(PortalPin).where(PortalPin.address == addr, PortalPin.purpose == purpose,
                                            PortalPin.used_at.is_(None), PortalPin.expires_at > when)
                    .values(expires_at=when).execution_options(synchronize_session=False))
    pin = f"{secrets.randbelow(10 ** 6):06d}"
    session.add(PortalPin(address=addr, purpose=purpose, pin_hash=_hash(addr, pin), ip=(ip or None) and ip[:64],
                          payload=payload or {}, created_at=when, expires_at=when + TTL))
    body = translate(N_("pin.link_body") if purpose == "link" else N_("pin.body"), locale, pin=pin)
    outbox.queue(session, channel="email", kind="pin", recipient=addr, subject=translate("pin.subject", locale),
                 body=body, payload={"locale": locale or "ru", "auto_submitted": True})
    session.flush()


@dataclass
class PinCheck:
    ok: bool
    reason: str | None = None  # "wrong" (wrong or expired) | "locked" (too many tries)
    requester: Requester | None = None
    payload: dict = field(default_factory=dict)


# The audit log's action for each purpose; a failed try is "<action>.failed".
AUDIT_ACTIONS = {"login": "portal.sign_in", "link": "telegram.link"}


def verify(session: Session, address: str, pin: str, *, purpose: str = "login", ip: str | None = None,
           at: datetime | None = None) -> PinCheck:
    """Check a code. Never raises for a wrong code: the attempt counter must be committed by the caller.

    On success the code is used up; "login" returns the (found or new) requester with the email marked
    verified; "link" merges the Telegram identity from the code's payload into that requester.
    Each outcome is an audit row in the same transaction (a portal sign-in, or a failed one with its reason).
    """
    check = _check(session, address, pin, purpose=purpose, ip=ip, at=at)
    action = AUDIT_ACTIONS.get(purpose, f"pin.{purpose}")
    who = str(address or "")[:254]
    if check.ok:
        audit.record(session, f"{check.requester.name} <{who}>", action,
                     ("requesters", check.requester.id, who), address=ip)
    else:
        audit.record(session, who, f"{action}.failed", ("requesters", None, who), after={"reason": check.reason},
                     address=ip)
    return check


def _check(session: Session, address: str, pin: str, *, purpose: str, ip: str | None,
           at: datetime | None) -> PinCheck:
    cfg, when = get_config(), _now(at)
    try:
        addr = requesters.normalise_email(address)
    except Exception:  # noqa: BLE001 - a malformed address is just a wrong code here
        return PinCheck(False, "wrong")
    row = session.scalar(select(PortalPin).where(PortalPin.address == addr, PortalPin.purpose == purpose,
                                                 PortalPin.used_at.is_(None))
                         .order_by(PortalPin.created_at.desc(), PortalPin.id.desc()).limit(1).with_for_update())
    if row is None or row.expires_at <= when:
        return PinCheck(False, "wrong")
    where = (ip or "unknown")[:64]
    from_here = session.scalar(select(func.count()).select_from(PinFailure).where(
        PinFailure.pin_id == row.id, PinFailure.ip == where))
    from_address_lately = session.scalar(select(func.count()).select_from(PinFailure).where(
        PinFailure.ip == where, PinFailure.at > when - WINDOW))
    if (row.attempts >= cfg.pin_attempts_total or from_here >= cfg.pin_attempts
            or from_address_lately >= cfg.pin_failures_per_ip):
        return PinCheck(False, "locked")
    code = "".join(ch for ch in str(pin or "") if ch.isdigit())
    if not hmac.compare_digest(row.pin_hash, _hash(addr, code)):
        row.attempts += 1
        session.add(PinFailure(pin_id=row.id, ip=where, at=when))
        session.flush()
        if from_here + 1 >= cfg.pin_attempts or row.attempts >= cfg.pin_attempts_total:
            log.warning("PIN for %s locked for ip %s after %d wrong attempts (%d from all addresses)",
                        addr, where, from_here + 1, row.attempts)
            return PinCheck(False, "locked")
        log.info("wrong PIN for %s from ip %s (%d/%d)", addr, where, from_here + 1, cfg.pin_attempts)
        return PinCheck(False, "wrong")
    row.used_at = when
    if purpose == "link":
        p = row.payload or {}
        requester = requesters.link_identities(session, addr, p.get("chat_id"), p.get("name"), p.get("username"), when)
    else:
        requester = requesters.find_or_create_by_email(session, addr)
        ident = session.scalar(select(RequesterIdentity).where(RequesterIdentity.channel == "email",
                                                               RequesterIdentity.address == addr))
        ident.verified_at = ident.verified_at or when
    session.flush()
    return PinCheck(True, requester=requester, payload=row.payload or {})


REDACTED = "[code removed after delivery]"


def redact_delivered(row: Outbox) -> None:
    """Called by the senders once a PIN message is delivered: the plain code must not stay in the outbox."""
    if row.kind == "pin":
        row.body = REDACTED
