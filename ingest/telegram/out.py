"""Delivering the outbox to Telegram: bot answers, agents' public replies, status notifications.

Rows are claimed one at a time with FOR UPDATE SKIP LOCKED, so several workers share the queue. The
claim (attempt counted, row leased) is committed before the send, and the result after it: a worker
killed in between re-sends that one message once the lease ends; the Bot API has no idempotency key,
so that copy can arrive twice (docs/reliability.md). 429 waits exactly retry_after; 403 (the
user blocked the bot) and other permanent refusals fail the row with the reason and stop; network
trouble backs off exponentially. A reply's comment shows the state (Comment.delivery_state).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from data.messaging import outbox
from data.db import session_scope
from data.intake import pins
from data.models import Outbox

log = logging.getLogger("okno.telegram.out")
MAX_ATTEMPTS = 10
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def _markup(payload: dict) -> InlineKeyboardMarkup | None:
    rows = payload.get("buttons")
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in row]
                                 for row in rows])


def text_of(row: Outbox) -> str:
    """An agent's reply carries the request's number and title, like the email subject."""
    if row.kind == "reply" and row.subject:
        return f"{row.subject}\n\n{row.body}"
    return row.body


def chunks(text: str) -> list[str]:
    return [text[i:i + TEXT_LIMIT] for i in range(0, len(text), TEXT_LIMIT)] or [""]


async def _send(bot: Bot, row: Outbox) -> str | None:
    payload = row.payload or {}
    if row.kind == "callback":
        await bot.answer_callback_query(payload["callback_query_id"], text=row.body or None,
                                        show_alert=bool(payload.get("alert")))
        return None
    if row.kind == "edit":
        message = await bot.edit_message_text(row.body, chat_id=row.recipient, message_id=payload["message_id"])
        return str(getattr(message, "message_id", payload["message_id"]))
    parts = chunks(text_of(row))
    message = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        message = await bot.send_message(row.recipient, part, reply_markup=_markup(payload) if last else None,
                                         reply_to_message_id=payload.get("reply_to") if i == 0 else None,
                                         allow_sending_without_reply=True)
    for filename, _type, data in outbox.attachments(row):  # files after the text (the weekly summary's PDF)
        message = await bot.send_document(row.recipient, data, filename=filename,
                                          caption=(row.subject or "")[:CAPTION_LIMIT] or None)
    return str(message.message_id)


def _fail(session, row: Outbox, reason: str) -> None:
    outbox.failed(session, row, reason)
    log.warning("telegram message %s to %s failed: %s", row.id, row.recipient, reason)


def _retry(session, row: Outbox, reason: str, delay: timedelta) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        _fail(session, row, f"gave up after {row.attempts} attempts: {reason}")
        return
    outbox.retry(row, reason, datetime.now(timezone.utc) + delay)
    log.info("telegram message %s to %s retried in %.0fs: %s", row.id, row.recipient, delay.total_seconds(), reason)


async def deliver_row(session, bot: Bot, row: Outbox) -> None:
    """Send a claimed row (outbox.claim counted the attempt) and record the result on it."""
    try:
        external_id = await _send(bot, row)
    except RetryAfter as err:  # flood control: Telegram says exactly when to come back
        seconds = _seconds(err.retry_after)
        _retry(session, row, f"429 Too Many Requests: retry after {seconds:g}s", timedelta(seconds=seconds))
    except Forbidden as err:  # blocked by the user, kicked from the group: retrying cannot help
        _fail(session, row, f"403 {err.message}")
    except BadRequest as err:
        if "not modified" in err.message.lower():  # an edit that was already made
            outbox.sent(session, row)
        else:
            _fail(session, row, f"400 {err.message}")
    except (NetworkError, TelegramError) as err:
        _retry(session, row, f"{type(err).__name__}: {err}", backoff(row.attempts))
    else:
        outbox.sent(session, row, external_id)
        pins.redact_delivered(row)  # the plain PIN must not stay in the outbox


async def deliver_due(bot: Bot, ids: list[int] | None = None, limit: int = 200) -> int:
    """Deliver queued Telegram messages that are due (only `ids` when given); returns how many were tried."""
    tried = 0
    while tried < limit:
        with session_scope() as session:
            row = outbox.claim(session, "telegram", ids)
            if row is None:
                break
            row_id = row.id
        with session_scope() as session:
            row = outbox.claimed(session, row_id)
            if row is not None:
                await deliver_row(session, bot, row)
        tried += 1
    return tried
