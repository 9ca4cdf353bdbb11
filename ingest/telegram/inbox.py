"""Nothing lost, nothing twice: every update is stored raw before it is handled.

`store_updates` commits the raw updates (unique on channel, bot id, update id) before the poller
confirms them to Telegram with the next offset; `process_pending` handles stored updates in batches
(one transaction per batch, a savepoint per update) that also mark them processed — a redelivered update is a no-op,
a crash re-handles only what was not committed. A malformed or unknown update is kept with the
reason and skipped; an update whose handling fails is kept as failed and retried a few times.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select, text
from sqlalchemy.orm import undefer
from telegram import Bot

from data import batch
from data.db import session_scope
from data.models import InboundMessage

from ingest.telegram import out as telegram_out
from ingest.telegram import preload, sender, together
from ingest.telegram.api import BotApi
from ingest.telegram import updates as telegram_updates

log = logging.getLogger("okno.telegram")
CHANNEL = "telegram"
MAX_ATTEMPTS = 3
BATCH = int(os.environ.get("OKNO_TELEGRAM_BATCH", "100"))


def update_key(raw) -> str:
    """The update id; for something without one, a hash of its content (so it is still stored once)."""
    if isinstance(raw, dict) and isinstance(raw.get("update_id"), int):
        return str(raw["update_id"])
    return "sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


# One array per column: a short statement that SQLAlchemy and psycopg prepare once. A multi-row VALUES of a
# hundred updates was compiled anew for every batch (a fifth of the handling time, cProfile).
STORE = text("""
    INSERT INTO inbound_messages (channel, source, external_id, raw)
    SELECT :channel, :source, u.external_id, u.raw
      FROM unnest(CAST(:keys AS varchar[]), CAST(:raws AS bytea[])) AS u(external_id, raw)
    ON CONFLICT (channel, source, external_id) DO NOTHING
    RETURNING id""")


def store_updates(bot_id: int, updates: list) -> int:
    """Store raw updates (duplicates ignored) and commit; returns how many were new."""
    if not updates:
        return 0
    with session_scope() as session:
        result = session.execute(STORE, {
            "channel": CHANNEL, "source": str(bot_id), "keys": [update_key(raw) for raw in updates],
            "raws": [json.dumps(raw, ensure_ascii=False, default=str).encode() for raw in updates]})
        return len(result.all())


async def process_next(bot: Bot, bot_id: int, bot_username: str) -> bool:
    """Handle the oldest pending update; False when none is left."""
    return await process_batch(bot, bot_id, bot_username, size=1) > 0


def _pending(session, bot_id: int, limit: int) -> list[InboundMessage]:
    return list(session.scalars(
        select(InboundMessage).where(
            InboundMessage.channel == CHANNEL, InboundMessage.source == str(bot_id),
            or_(InboundMessage.state == "received",
                and_(InboundMessage.state == "failed", InboundMessage.attempts < MAX_ATTEMPTS)))
        .options(undefer(InboundMessage.raw))
        .order_by(InboundMessage.id).limit(limit).with_for_update(skip_locked=True)))


async def _handle_row(session, bot: Bot, bot_id: int, bot_username: str, row: InboundMessage) -> list[int]:
    """One stored update in a savepoint: a failure undoes its handling, not its bookkeeping."""
    row.attempts += 1
    outbox_ids: list[int] = []
    try:
        raw = json.loads(row.raw)
        with session.begin_nested():
            outbox_ids = await telegram_updates.handle(session, bot, bot_id, bot_username, raw)
        row.state, row.error = "processed", None
    except telegram_updates.Unsupported as err:
        log.warning("telegram update %s skipped: %s", row.external_id, err)
        row.state, row.error = "skipped", str(err)[:2000]
    except json.JSONDecodeError as err:  # not even JSON
        log.warning("telegram update %s skipped: %s", row.external_id, err)
        row.state, row.error = "skipped", f"malformed update: {err}"[:2000]
    except Exception as err:  # the worker never dies on one update; it stays visible and retryable
        log.exception("telegram update %s failed (attempt %s)", row.external_id, row.attempts)
        row.state, row.error = "failed", f"{type(err).__name__}: {err}"[:2000]
        outbox_ids = []
    row.processed_at = datetime.now(timezone.utc)
    return outbox_ids


async def process_batch(bot: Bot, bot_id: int, bot_username: str, size: int = BATCH, api: BotApi | None = None,
                        send: bool = True) -> int:
    """Up to `size` pending updates (oldest first, SKIP LOCKED: workers share them) in ONE transaction: what
    the batch's chats need read at once (preload.py), the plain new requests and replies written together
    (together.py), every other update in its own savepoint; the same caches as an email batch (Config, SLA
    policies, rules, board revisions once per batch). Their answers are delivered after the commit — here
    (`send`), or by a sender process that the commit wakes (sender.py) while this one handles the next batch.
    Returns how many were handled."""
    outbox_ids: list[int] = []
    with session_scope() as session:
        rows = _pending(session, bot_id, size)
        with batch.scope(session):
            try:
                parsed = [_parsed(row, bot) for row in rows]
                preload.load(session, parsed)
                taken = together.take(session, bot_id, rows, parsed)  # the commonest cases, set-based
                batch.keep(session)  # (the requesters it made stay loaded for the chats' later updates)
                for row in rows:
                    if row.id in taken:
                        outbox_ids += taken[row.id]
                        continue
                    outbox_ids += await _handle_row(session, bot, bot_id, bot_username, row)
                    batch.keep(session)
            finally:
                preload.forget(session)
            if rows and not send:  # (auto-replies and notices the turns queued go with the answers)
                sender.notify(session)
    if outbox_ids and send:
        await telegram_out.deliver_due(bot, ids=outbox_ids, limit=len(outbox_ids), api=api)
    return len(rows)


def _parsed(row: InboundMessage, bot: Bot):
    """The stored update as python-telegram-bot reads it; None when it can't (the per-update path says why)."""
    try:
        return telegram_updates.parse(json.loads(row.raw), bot)
    except (telegram_updates.Unsupported, ValueError):
        return None


async def process_pending(bot: Bot, bot_id: int, bot_username: str, limit: int = 500, api: BotApi | None = None,
                          send: bool = True) -> int:
    """Pending updates, a batch at a time; the answers sent after each batch (`send`, through `api` when the
    caller keeps one open) or left to the sender processes."""
    if api is None and send:
        async with BotApi(bot, telegram_out.PARALLEL_CHATS) as own:
            return await process_pending(bot, bot_id, bot_username, limit, own, send)
    done = 0
    while done < limit:
        handled = await process_batch(bot, bot_id, bot_username, min(BATCH, limit - done), api, send)
        if not handled:
            break
        done += handled
    return done
