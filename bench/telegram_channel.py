"""Telegram channel throughput: updates handled per second into PostgreSQL, outbox messages delivered per second.

Runs the real handler and the real python-telegram-bot client against the loopback Bot API of the
tests, in a scratch database of its own (created and dropped here: okno_bench is never written).
    python -m bench telegram_channel   (or: python -m bench.telegram_channel)
"""
from __future__ import annotations

import asyncio
import os
import time


UPDATES = int(os.environ.get("BENCH_TELEGRAM_UPDATES", "300"))
MESSAGES = int(os.environ.get("BENCH_TELEGRAM_MESSAGES", "300"))


def _floor_parse(updates: list, bot) -> float:
    """The bare cost of reading the same updates: JSON text to python-telegram-bot objects."""
    import json
    from telegram import Update
    texts = [json.dumps(u) for u in updates]
    started = time.perf_counter()
    for text in texts:
        Update.de_json(json.loads(text), bot)
    return len(texts) / (time.perf_counter() - started)


def _floor_copy(updates: list) -> float:
    """The bare cost of writing what they become: one ticket row each, by COPY, in one transaction."""
    from data.db import get_engine
    started = time.perf_counter()
    raw = get_engine().raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE floor_tickets (LIKE tickets INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy("COPY floor_tickets (number, title, description, board_id, column_id, channel, status, "
                          "position) FROM STDIN") as copy:
                for i, u in enumerate(updates):
                    copy.write_row((i + 1, u["message"]["text"], u["message"]["text"], 1, 1, "telegram", "queue", -i))
        conn.commit()
    finally:
        raw.close()
    return len(updates) / (time.perf_counter() - started)


async def _measure(api) -> dict:
    from data.messaging import outbox
    from data.db import session_scope
    from ingest.telegram.bot import build_bot
    from ingest.telegram.inbox import process_pending, store_updates
    from ingest.telegram.out import deliver_due
    from tests import factories
    from tests.telegram_fake_api import text_message

    from sqlalchemy import event

    from data.db import get_engine
    statements = [0]
    event.listen(get_engine(), "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    with session_scope() as s:
        board = factories.board(s)
        factories.service(s, board, code="general", name="General")
    os.environ["TELEGRAM_DEFAULT_SERVICE"] = "general"
    bot = build_bot(api.token, api.base_url)
    async with bot:
        updates = [{"update_id": i + 1, **text_message(f"Request {i}", chat_id=10_000 + i, message_id=i + 1)}
                   for i in range(UPDATES)]
        started, cpu, statements[0] = time.perf_counter(), time.process_time(), 0
        store_updates(bot.id, updates)
        handled = await process_pending(bot, bot.id, bot.username, limit=UPDATES + 10)
        handle_s, handle_cpu, handle_sql = time.perf_counter() - started, time.process_time() - cpu, statements[0]
        with session_scope() as s:
            for i in range(MESSAGES):
                outbox.queue(s, channel="telegram", kind="notification", recipient=str(10_000 + i % 50),
                             body=f"Status {i}")
        started, cpu, statements[0] = time.perf_counter(), time.process_time(), 0
        delivered = await deliver_due(bot, limit=MESSAGES + 10)
        deliver_s, deliver_cpu, deliver_sql = time.perf_counter() - started, time.process_time() - cpu, statements[0]
    parse_rate, copy_rate = _floor_parse(updates, bot), _floor_copy(updates)
    load = os.getloadavg()[0]
    rate = handled / handle_s
    return {"load_average_1m": round(load, 1), "load_average": [round(x, 1) for x in os.getloadavg()],
            "cpus": os.cpu_count(), "batch": int(os.environ.get("OKNO_TELEGRAM_BATCH", "100")),
            "updates": handled, "updates_per_s": round(rate, 1),
            "floor_parse_per_s": round(parse_rate, 1), "floor_copy_per_s": round(copy_rate, 1),
            "ratio_parse_floor": round(parse_rate / rate, 1), "ratio_copy_floor": round(copy_rate / rate, 1),
            "worker_cpu_ms_per_update": round(handle_cpu * 1000 / max(handled, 1), 1),
            "sql_statements_per_update": round(handle_sql / max(handled, 1), 1),
            "note_updates": "each: store raw, new requester + ticket + event, answer queued and sent to the loopback API",
            "outbox_messages": delivered, "outbox_per_s": round(delivered / deliver_s, 1),
            "worker_cpu_ms_per_message": round(deliver_cpu * 1000 / max(delivered, 1), 1),
            "sql_statements_per_message": round(deliver_sql / max(delivered, 1), 1),
            "note_outbox": "batches of OKNO_TELEGRAM_OUTBOX_BATCH rows claimed at once (FOR UPDATE SKIP LOCKED), chats sent side by side, sendMessage over loopback HTTP"}


def run(url: str) -> dict:
    from data.ops.scratch import scratch_database
    from tests.telegram_fake_api import FakeBotAPI

    with scratch_database(url, "okno_bench_tg", use=True):
        api = FakeBotAPI().start()
        try:
            return asyncio.run(_measure(api))
        finally:
            api.stop()


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from data import db as _db
    print(json.dumps(run(_db.database_url()), indent=2))
