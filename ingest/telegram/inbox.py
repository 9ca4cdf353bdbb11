"""Nothing lost, nothing twice: every update is stored raw before it is handled.

`store_updates` commits the raw updates (unique on channel, bot id, update id) before the poller
confirms them to Telegram with the next offset; `process_pending` handles stored updates one by
one, each in its own transaction that also marks it processed — a redelivered update is a no-op,
a crash re-handles only what was not committed. A malformed or unknown update is kept with the
reason and skipped; an update whose handling fails is kept as failed and retried a few times.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import undefer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from telegram import Bot

from data.db import session_scope
from data.models import InboundMessage

from ingest.telegram import out as telegram_out
from ingest.telegram import updates as telegram_updates

log = logging.getLogger("okno.telegram")
CHANNEL = "telegram"
MAX_ATTEMPTS = 3


def update_key(raw) -> str:
    """The update id; for something without one, a hash of its content (so it is still stored once)."""
    if isinstance(raw, dict) and isinstance(raw.get("update_id"), int):
        return str(raw["update_id"])
    return "sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()


def store_updates(bot_id: int, updates: list) -> int:
    """Store raw updates (duplicates ignored) and commit; returns how many were new."""
    if not updates:
        return 0
    rows = [{"channel": CHANNEL, "source": str(bot_id), "external_id": update_key(raw),
             "raw": json.dumps(raw, ensure_ascii=False, default=str).encode()} for raw in updates]
    with session_scope() as session:
        result = session.execute(pg_insert(InboundMessage).values(rows)
                                 .on_conflict_do_nothing(index_elements=["channel", "source", "external_id"])
                                 .returning(InboundMessage.id))
        return len(result.all())


async def process_next(bot: Bot, bot_id: int, bot_username: str) -> bool:
    """Handle the oldest pending update; False when none is left."""
    with session_scope() as session:
        row = session.scalar(
            select(InboundMessage).where(
                InboundMessage.channel == CHANNEL, InboundMessage.source == str(bot_id),
                or_(InboundMessage.state == "received",
                    and_(InboundMessage.state == "failed", InboundMessage.attempts < MAX_ATTEMPTS)))
            .options(undefer(InboundMessage.raw))
            .order_by(InboundMessage.id).limit(1).with_for_update(skip_locked=True))
        if row is None:
            return False
        row.attempts += 1
        outbox_ids: list[int] = []
        try:
            raw = json.loads(row.raw)
            with session.begin_nested():  # a failure undoes the handling, not the bookkeeping
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
        row.processed_at = datetime.now(timezone.utc)
    if outbox_ids:
        await telegram_out.deliver_due(bot, ids=outbox_ids)
    return True


async def process_pending(bot: Bot, bot_id: int, bot_username: str, limit: int = 500) -> int:
    done = 0
    while done < limit and await process_next(bot, bot_id, bot_username):
        done += 1
    return done
