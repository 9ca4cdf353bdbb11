"""Delivering the outbox to Telegram: bot answers, agents' public replies, status notifications.

Rows are claimed a batch at a time (OKNO_TELEGRAM_OUTBOX_BATCH, 100) with FOR UPDATE SKIP LOCKED, so
several workers share the queue. The claim (attempts counted, rows leased) is committed before the sends,
and the results after them: a worker killed in between re-sends those messages once the lease ends; the
Bot API has no idempotency key, so such a copy can arrive twice (docs/reliability.md). A batch's chats are
served side by side (OKNO_TELEGRAM_PARALLEL_CHATS, 8, at a time: the round trips overlap), each chat's
messages one after another in id order; when one of them has to wait (429, network), the chat's later
messages of the batch wait with it, so a chat never reads them out of order. The sent rows are recorded
in two statements for the batch. Files go as photos (images) and documents (the
rest), a short text as the first file's caption. 429 waits exactly retry_after and goes on from the
first call not yet made; 403 (the user blocked the bot) and "chat not found" fail the row, mark the
requester's chat unreachable and send a reply to their email instead; other permanent refusals fail the
row with the reason; network trouble backs off exponentially. A reply's comment shows the state (Comment.delivery_state).
"""
from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from data.messaging import outbox
from data.db import session_scope
from data.intake import pins, requesters
from data.models import Comment, Outbox

from ingest.telegram.api import BotApi

log = logging.getLogger("okno.telegram.out")
MAX_ATTEMPTS = 10
BATCH = int(os.environ.get("OKNO_TELEGRAM_OUTBOX_BATCH", "100"))
PARALLEL_CHATS = int(os.environ.get("OKNO_TELEGRAM_PARALLEL_CHATS", "8"))
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


async def _call(bot: Bot, row: Outbox, kind: str, args: dict, api: BotApi | None = None) -> int:
    """One Bot API call of the message; the id of the message it made. A text goes by the lean client when
    there is one and no proxy is in the way (api.py), files by the Bot."""
    payload = row.payload or {}
    reply_to = payload.get("reply_to") if args["reply"] else None
    if kind == "text" and api is not None and api.direct:
        return await api.send_message(row.recipient, args["text"], payload.get("buttons") if args["markup"] else None,
                                      reply_to)
    common = {"reply_markup": _markup(payload) if args["markup"] else None,
              "reply_to_message_id": reply_to, "allow_sending_without_reply": True}
    if kind == "text":
        return (await bot.send_message(row.recipient, args["text"], **common)).message_id
    if kind == "photo":
        return (await bot.send_photo(row.recipient, args["data"], filename=args["filename"], caption=args["caption"],
                                     **common)).message_id
    return (await bot.send_document(row.recipient, args["data"], filename=args["filename"], caption=args["caption"],
                                    **common)).message_id


async def _send(bot: Bot, row: Outbox, api: BotApi | None = None) -> str | None:
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
    calls = steps(row)
    for index, (kind, args) in enumerate(calls):
        if index < done:
            continue
        message_id = await _call(bot, row, kind, args, api)
        if args["main"] or main is None:
            main = message_id  # the message carrying the text: a reply to it finds the request
        if len(calls) > 1:  # (a one-call message has nothing to resume: no payload rewrite for it)
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


async def deliver_row(session, bot: Bot, row: Outbox, sent: list | None = None, api: BotApi | None = None) -> str:
    """Send a claimed row (outbox.claim counted the attempt) and record the result on it; returns "sent",
    "retry" or "failed". In a batch (`sent`) a sent row is appended there for _record_sent, not written."""
    try:
        external_id = await _send(bot, row, api)
    except RetryAfter as err:  # flood control: Telegram says exactly when to come back
        seconds = _seconds(err.retry_after)
        _retry(session, row, f"429 Too Many Requests: retry after {seconds:g}s", timedelta(seconds=seconds))
    except Forbidden as err:  # blocked by the user, deleted account, kicked from the group: retrying cannot help
        _unreachable(session, row, f"403 {err.message}")
    except BadRequest as err:
        if "not modified" in err.message.lower():  # an edit that was already made
            outbox.sent(session, row)
            return "sent"
        if "chat not found" in err.message.lower():  # the chat was deleted (or never started)
            _unreachable(session, row, f"400 {err.message}")
        else:
            _fail(session, row, f"400 {err.message}")
    except (NetworkError, TelegramError) as err:
        _retry(session, row, f"{type(err).__name__}: {err}", backoff(row.attempts))
    else:
        pins.redact_delivered(row)  # the plain PIN must not stay in the outbox
        if sent is None:
            outbox.sent(session, row, external_id)
        else:
            sent.append((row, external_id))
        return "sent"
    return "failed" if row.state == "failed" else "retry"


async def _deliver_chat(session, bot: Bot, rows: list[Outbox], sent: list, gate: asyncio.Semaphore,
                        api: BotApi | None) -> None:
    """One chat's rows of the batch, in order. A row that has to wait holds back the chat's later rows
    until the same moment (their claim's attempt is given back: they were not tried)."""
    async with gate:
        for index, row in enumerate(rows):
            if await deliver_row(session, bot, row, sent, api) != "retry":
                continue
            for later in rows[index + 1:]:
                later.attempts -= 1
                outbox.retry(later, f"waiting for message {row.id} to this chat", row.next_attempt_at)
            return


def _record_sent(session, sent: list[tuple[Outbox, str | None]]) -> None:
    """outbox.sent() of a batch: one executemany for the rows (each with its Telegram message id), one
    UPDATE for the comments that show their delivery."""
    if not sent:
        return
    at = datetime.now(timezone.utc)
    values = [{"row_id": row.id, "external_id": external_id if external_id is not None else row.external_id}
              for row, external_id in sent]
    table = Outbox.__table__
    session.execute(update(table).where(table.c.id == bindparam("row_id"))
                    .values(state="sent", sent_at=at, last_error=None, external_id=bindparam("external_id")), values)
    comments = [row.comment_id for row, _e in sent if row.comment_id]
    if comments:
        session.execute(update(Comment).where(Comment.id.in_(comments))
                        .values(delivery_state="sent", delivery_error=None).execution_options(synchronize_session=False))
    for (row, _e), value in zip(sent, values):  # the objects say what the database now has
        for name, new in (("state", "sent"), ("sent_at", at), ("last_error", None), ("external_id", value["external_id"])):
            set_committed_value(row, name, new)
        comment = session.identity_map.get(session.identity_key(Comment, row.comment_id)) if row.comment_id else None
        if comment is not None:
            set_committed_value(comment, "delivery_state", "sent")
            set_committed_value(comment, "delivery_error", None)


async def deliver_rows(session, bot: Bot, rows: list[Outbox], api: BotApi | None = None) -> None:
    """Send claimed rows: chats side by side, each chat's rows in order; the sent ones recorded together."""
    chats: dict[str, list[Outbox]] = {}
    for row in rows:
        chats.setdefault(row.recipient, []).append(row)
    sent: list[tuple[Outbox, str | None]] = []
    gate = asyncio.Semaphore(PARALLEL_CHATS)
    results = await asyncio.gather(*(_deliver_chat(session, bot, chat_rows, sent, gate, api) for chat_rows in chats.values()),
                                   return_exceptions=True)  # every chat finishes before the session is left
    _record_sent(session, sent)
    for result in results:  # a chat's unexpected error: its rows stay leased and are retried after the lease
        if isinstance(result, BaseException):
            log.error("telegram delivery to a chat failed", exc_info=result)


async def deliver_due(bot: Bot, ids: list[int] | None = None, limit: int = 200, api: BotApi | None = None) -> int:
    """Deliver queued Telegram messages that are due (only `ids` when given), a batch at a time: claim and
    commit, then send and commit. Returns how many were tried. `api`: a worker's lean client kept open
    between calls (its connections stay up); without one, one is opened for this call."""
    if api is None:
        async with BotApi(bot, PARALLEL_CHATS) as own:
            return await deliver_due(bot, ids, limit, own)
    tried = 0
    while tried < limit:
        with session_scope() as session:
            row_ids = [row.id for row in outbox.claim_many(session, "telegram", min(BATCH, limit - tried), ids=ids)]
        if not row_ids:
            break
        with session_scope() as session:
            await deliver_rows(session, bot, outbox.claimed_many(session, row_ids), api)
        tried += len(row_ids)
    return tried
