"""“Link my email”: a PIN sent to the address proves it is theirs; then the identities are joined.

PINs expire, are single-use, allow a few tries and are rate-limited per chat (counted from the
outbox, so the limit survives restarts). The portal's data/pins.py replaces the PIN part once
it is on main; the join stays here.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update

from data import outbox
from data.config import get_config
from data.i18n import translate
from data.models import Comment, Outbox, Requester, RequesterIdentity, TelegramDraft, Ticket, TicketEvent

from .telegram_requests import portal
from .telegram_turn import Turn, reset_draft

log = logging.getLogger("okno.telegram")
PIN_MINUTES = 10
MAX_TRIES = 5
MAX_PINS_PER_HOUR = 3
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hash(pin: str, email: str) -> str:
    return hmac.new(get_config().secret_key.encode(), f"{email}:{pin}".encode(), hashlib.sha256).hexdigest()


def ask(turn: Turn) -> None:
    reset_draft(turn.draft, "link_email")
    turn.say(turn.t("tg.link.ask"))


def on_text(turn: Turn, text: str) -> None:
    if turn.draft.step == "link_email":
        send_pin(turn, text.strip().lower())
    else:
        check_pin(turn, re.sub(r"\D", "", text))


def send_pin(turn: Turn, email: str) -> None:
    if not EMAIL.match(email) or len(email) > 254:
        turn.say(turn.t("tg.link.bad_email"))
        return
    request_pin = portal("data.pins", "request_pin")
    if request_pin is not None:  # the portal's PINs: one implementation of expiry, tries and rate limits
        from data.errors import LimitExceeded, ValidationError
        try:
            request_pin(turn.session, email, purpose="link", locale=turn.locale,
                        payload={"chat_id": turn.chat_id, "name": turn.requester.name})
        except ValidationError:
            turn.say(turn.t("tg.link.bad_email"))
            return
        except LimitExceeded:
            reset_draft(turn.draft)
            turn.say(turn.t("tg.link.too_many"))
            return
        reset_draft(turn.draft, "link_pin", email=email, portal=True)
        turn.say(turn.t("tg.link.sent", email=email, minutes=PIN_MINUTES))
        return
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    sent = turn.session.scalar(select(func.count()).select_from(Outbox).where(
        Outbox.channel == "email", Outbox.kind == "pin", Outbox.created_at >= since,
        Outbox.payload["telegram_chat"].astext == turn.chat_id))
    if sent >= MAX_PINS_PER_HOUR:
        log.warning("PIN rate limit reached for chat %s", turn.chat_id)
        reset_draft(turn.draft)
        turn.say(turn.t("tg.link.too_many"))
        return
    pin = f"{secrets.randbelow(10 ** 6):06d}"
    expires = datetime.now(timezone.utc) + timedelta(minutes=PIN_MINUTES)
    reset_draft(turn.draft, "link_pin", email=email, pin_hash=_hash(pin, email), expires_at=expires.isoformat(),
                tries=0)
    outbox.queue(turn.session, channel="email", kind="pin", recipient=email,
                 subject=translate("tg.pin.subject", turn.locale, pin=pin),
                 body=translate("tg.pin.body", turn.locale, pin=pin, email=email, minutes=PIN_MINUTES),
                 payload={"telegram_chat": turn.chat_id})
    turn.say(turn.t("tg.link.sent", email=email, minutes=PIN_MINUTES))


def check_pin(turn: Turn, pin: str) -> None:
    data = turn.draft.data
    if data.get("portal"):
        _check_portal_pin(turn, pin, data["email"])
        return
    expired = datetime.fromisoformat(data["expires_at"]) < datetime.now(timezone.utc)
    if expired or data.get("tries", 0) >= MAX_TRIES:
        reset_draft(turn.draft)
        turn.say(turn.t("tg.link.expired"))
        return
    if not hmac.compare_digest(_hash(pin, data["email"]), data["pin_hash"]):
        tries = data.get("tries", 0) + 1
        turn.draft.data = dict(data, tries=tries)
        if tries >= MAX_TRIES:
            reset_draft(turn.draft)
            turn.say(turn.t("tg.link.expired"))
        else:
            turn.say(turn.t("tg.link.wrong", left=MAX_TRIES - tries))
        return
    email = data["email"]
    reset_draft(turn.draft)  # single use
    turn.requester = join(turn.session, turn.requester, email)
    turn.draft.requester_id = turn.requester.id
    turn.say(turn.t("tg.link.done", email=email))


def _check_portal_pin(turn: Turn, pin: str, email: str) -> None:
    check = portal("data.pins", "verify")(turn.session, email, pin, purpose="link")
    if not check.ok:
        if check.reason == "locked":
            reset_draft(turn.draft)
            turn.say(turn.t("tg.link.expired"))
        else:
            turn.say(turn.t("tg.link.wrong", left="?"))
        return
    reset_draft(turn.draft)
    turn.requester = check.requester
    turn.draft.requester_id = check.requester.id
    turn.say(turn.t("tg.link.done", email=email))


def join(session, requester: Requester, email: str) -> Requester:
    """Make `email` an identity of this person. If another requester already owns it (the portal logs
    in by email), everything of the Telegram requester moves to that one, so one person sees all."""
    now = datetime.now(timezone.utc)
    identity = session.scalar(select(RequesterIdentity).where(RequesterIdentity.channel == "email",
                                                              RequesterIdentity.address == email))
    if identity is None:
        session.add(RequesterIdentity(requester_id=requester.id, channel="email", address=email, verified_at=now))
        requester.email = requester.email or email
        session.flush()
        return requester
    identity.verified_at = identity.verified_at or now
    target = identity.requester
    if target.id == requester.id:
        return requester
    moves = [(Ticket, Ticket.requester_id), (Comment, Comment.author_requester_id),
             (TicketEvent, TicketEvent.actor_requester_id), (RequesterIdentity, RequesterIdentity.requester_id),
             (TelegramDraft, TelegramDraft.requester_id)]
    for model, column in moves:
        session.execute(update(model).where(column == requester.id).values({column.key: target.id})
                        .execution_options(synchronize_session=False))
    session.flush()
    session.expire_all()
    session.execute(delete(Requester).where(Requester.id == requester.id))
    log.info("requester %s joined into %s by email %s", requester.id, target.id, email)
    return session.get(Requester, target.id)
