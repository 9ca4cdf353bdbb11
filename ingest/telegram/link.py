"""“Link my email”: the portal's PIN (data/intake/pins.py, purpose "link") proves the address is theirs; once
the PIN is typed in the chat, data.intake.requesters.link_identities joins the Telegram requester into the
email one, so the portal shows the requests of both channels.

PIN rules (expiry, single use, tries, sends per hour) are the portal's; the chat only keeps which
address it is waiting a PIN for (the draft's step link_pin).
"""
from __future__ import annotations

import logging

from data.intake import pins
from data.errors import LimitExceeded, ValidationError

from ingest.telegram.turn import Turn, reset_draft

log = logging.getLogger("okno.telegram")


def ask(turn: Turn) -> None:
    reset_draft(turn.draft, "link_email")
    turn.say(turn.t("tg.link.ask"))


def on_text(turn: Turn, text: str) -> None:
    if turn.draft.step == "link_email":
        send_pin(turn, text.strip())
    else:
        check_pin(turn, text)


def send_pin(turn: Turn, email: str) -> None:
    try:
        pins.request_pin(turn.session, email, purpose="link", locale=turn.locale,
                         payload={"chat_id": turn.chat_id, "name": turn.requester.name})
    except ValidationError:
        turn.say(turn.t("tg.link.bad_email"))
        return
    except LimitExceeded:
        log.warning("PIN send limit reached for chat %s", turn.chat_id)
        reset_draft(turn.draft)
        turn.say(turn.t("tg.link.too_many"))
        return
    reset_draft(turn.draft, "link_pin", email=email.lower())
    turn.say(turn.t("tg.link.sent", email=email.lower(), minutes=int(pins.TTL.total_seconds() // 60)))


def check_pin(turn: Turn, pin: str) -> None:
    email = turn.draft.data.get("email", "")
    check = pins.verify(turn.session, email, pin, purpose="link", ip=f"tg:{turn.chat_id}")  # limits per chat
    if not check.ok:
        if check.reason == "locked":
            reset_draft(turn.draft)
            turn.say(turn.t("tg.link.expired"))
        else:
            turn.say(turn.t("tg.link.wrong"))
        return
    reset_draft(turn.draft)
    turn.requester = check.requester
    turn.draft.requester_id = check.requester.id
    turn.say(turn.t("tg.link.done", email=email))
