"""Delivering the outbox to Telegram: bot answers, agents' public replies, status notifications.

Rows are claimed one at a time with FOR UPDATE SKIP LOCKED, so several workers share the queue. The
claim (attempt counted, row leased) is committed before the send, and the result after it: a worker
killed in between re-sends that one message once the lease ends; the Bot API has no idempotency key,
so that copy can arrive twice (docs/reliability.md). Files go as photos (images) and documents (the
rest), a short text as the first file's caption. 429 waits exactly retry_after and goes on from the
first call not yet made; 403 (the user blocked the bot) and "chat not found" fail the row, mark the
requester's chat unreachable and send a reply to their email instead; other permanent refusals fail the
row with the reason; network trouble backs off exponentially. A reply's comment shows the state (Comment.delivery_state).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from data.messaging import outbox
from data.db import session_scope
from data.intake import pins, requesters
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


PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")  # what Telegram shows as a photo; other images as files
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto's size limit; a bigger image goes as a document


def steps(row: Outbox) -> list[tuple[str, dict]]:
    """The Bot API calls one chat message needs, in order: the text (in parts when long) and then each file,
    a photo for an image, a document for anything else. A short reply rides as the first file's caption,
    so the requester sees the answer and its file as one message; otherwise files carry the subject."""
    text = text_of(row)
    files = outbox.attachments(row)
    calls: list[tuple[str, dict]] = []
    caption = text if row.kind == "reply" and files and len(text) <= CAPTION_LIMIT else None
    label = (row.subject or "")[:CAPTION_LIMIT] or None
    if caption is None:
        parts = chunks(text)
        for i, part in enumerate(parts):
            calls.append(("text", {"text": part, "markup": i == len(parts) - 1 and not files, "reply": i == 0,
                                   "main": i == len(parts) - 1}))
    for i, (filename, ctype, data) in enumerate(files):
        kind = "photo" if ctype.lower() in PHOTO_TYPES and len(data) <= PHOTO_LIMIT else "document"
        first = i == 0
        calls.append((kind, {"filename": filename, "data": data,
                             "caption": (caption if first else None) if caption is not None else label,
                             "markup": i == len(files) - 1, "reply": first and caption is not None,
                             "main": first and caption is not None}))
    return calls


async def _call(bot: Bot, row: Outbox, kind: str, args: dict):
    payload = row.payload or {}
    common = {"reply_markup": _markup(payload) if args["markup"] else None,
              "reply_to_message_id": payload.get("reply_to") if args["reply"] else None,
              "allow_sending_without_reply": True}
    if kind == "text":
        return await bot.send_message(row.recipient, args["text"], **common)
    if kind == "photo":
        return await bot.send_photo(row.recipient, args["data"], filename=args["filename"], caption=args["caption"],
                                    **common)
    return await bot.send_document(row.recipient, args["data"], filename=args["filename"], caption=args["caption"],
                                   **common)


async def _send(bot: Bot, row: Outbox) -> str | None:
    payload = row.payload or {}
    if row.kind == "callback":
        await bot.answer_callback_query(payload["callback_query_id"], text=row.body or None,
                                        show_alert=bool(payload.get("alert")))
        return None
    if row.kind == "edit":
        message = await bot.edit_message_text(row.body, chat_id=row.recipient, message_id=payload["message_id"])
        return str(getattr(message, "message_id", payload["message_id"]))
    # A message of several calls remembers how far it got: after a 429 or a network error in the middle
    # the retry goes on from the first call not yet made, so nothing arrives twice and nothing is lost.
    done = int(payload.get("done", 0))
    main = payload.get("main_id")
    for index, (kind, args) in enumerate(steps(row)):
        if index < done:
            continue
        message = await _call(bot, row, kind, args)
        if args["main"] or main is None:
            main = message.message_id  # the message carrying the text: a reply to it finds the request
        row.payload = {**(row.payload or {}), "done": index + 1, "main_id": main}
    return str(main) if main is not None else None


def _fail(session, row: Outbox, reason: str) -> None:
    outbox.failed(session, row, reason)
    log.warning("telegram message %s to %s failed: %s", row.id, row.recipient, reason)


def _unreachable(session, row: Outbox, reason: str) -> None:
    """The chat refuses the bot for good: the message fails, the requester's Telegram identity is marked
    unreachable (the card shows it), and a reply goes to their email instead when they have one."""
    _fail(session, row, reason)
    if row.kind in ("callback", "edit"):
        return
    requesters.mark_unreachable(session, "telegram", row.recipient, reason)
    session.flush()
    fallback = outbox.fall_back(session, row)
    if fallback is not None:
        session.flush()
        log.info("telegram message %s: chat %s unreachable, reply %s goes by %s instead", row.id, row.recipient,
                 fallback.id, fallback.channel)


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
    except Forbidden as err:  # blocked by the user, deleted account, kicked from the group: retrying cannot help
        _unreachable(session, row, f"403 {err.message}")
    except BadRequest as err:
        if "not modified" in err.message.lower():  # an edit that was already made
            outbox.sent(session, row)
        elif "chat not found" in err.message.lower():  # the chat was deleted (or never started)
            _unreachable(session, row, f"400 {err.message}")
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
