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
# Sender processes, as `python -m ingest telegram` starts them (its --senders): the answers go out while the
# next batch is handled. 0: each batch's answers are sent by the handling process after its commit.
SENDERS = int(os.environ.get("BENCH_TELEGRAM_SENDERS", "1"))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of another process so far (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_senders(api, n: int) -> list:
    """`python -m ingest telegram --send-only` × n against the loopback API; back once each one listens."""
    import subprocess
    import sys

    from sqlalchemy import text

    from data.db import session_scope
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    import secrets
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url}
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))  # a worker refuses to start without one
    children = [subprocess.Popen([sys.executable, "-m", "ingest", "telegram", "--send-only", "--sweep-interval", "1"],
                                 cwd=root, env=env) for _ in range(n)]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and all(child.poll() is None for child in children):
        with session_scope() as s:
            if s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND query LIKE 'LISTEN %'")) >= n:
                return children
        time.sleep(0.05)
    _stop(children)
    raise RuntimeError("the sender processes did not start listening")


def _answers_left() -> int:
    from sqlalchemy import text

    from data.db import session_scope
    with session_scope() as s:
        return s.scalar(text("SELECT count(*) FROM outbox WHERE channel = 'telegram' AND kind = 'bot' "
                             "AND state = 'queued'"))


def _stop(children: list) -> None:
    for child in children:
        child.terminate()
    for child in children:
        child.wait(timeout=30)


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
        children = _start_senders(api, SENDERS) if SENDERS else []
        try:
            senders_cpu = sum(_cpu_seconds(c.pid) for c in children)
            started, cpu, statements[0] = time.perf_counter(), time.process_time(), 0
            store_updates(bot.id, updates)
            handled = await process_pending(bot, bot.id, bot.username, limit=UPDATES + 10, send=not SENDERS)
            handle_cpu, handle_sql = time.process_time() - cpu, statements[0]
            while children and _answers_left():  # every answer sent: the senders may still be at it
                await asyncio.sleep(0.005)
            handle_s = time.perf_counter() - started
            senders_cpu = sum(_cpu_seconds(c.pid) for c in children) - senders_cpu
        finally:
            _stop(children)
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
            "worker_cpu_ms_per_update": round(handle_cpu * 1000 / max(handled, 1), 2),
            "sender_processes": SENDERS,
            "sender_cpu_ms_per_update": round(senders_cpu * 1000 / max(handled, 1), 2),
            "sql_statements_per_update": round(handle_sql / max(handled, 1), 2),
            "note_updates": "each: store raw, new requester + ticket + event, answer queued and sent to the loopback API "
                            "(worker CPU: the handling process, the loopback API's threads included; SQL: its statements)",
            "outbox_messages": delivered, "outbox_per_s": round(delivered / deliver_s, 1),
            "worker_cpu_ms_per_message": round(deliver_cpu * 1000 / max(delivered, 1), 1),
            "sql_statements_per_message": round(deliver_sql / max(delivered, 1), 1),
            "note_outbox": "batches of OKNO_TELEGRAM_OUTBOX_BATCH rows claimed at once (FOR UPDATE SKIP LOCKED), chats sent side by side, sendMessage over loopback HTTP"}


class _ApiProcess:
    """The loopback Bot API in a process of its own (BENCH_TELEGRAM_API=process): Telegram's side of the
    calls then costs the worker's process nothing, as with the real Bot API (it still shares the cores)."""

    def __init__(self):
        import subprocess
        import sys
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        code = ("import sys; from tests.telegram_fake_api import FakeBotAPI; api = FakeBotAPI().start(); "
                "print(api.token, api.base_url, flush=True); sys.stdin.read(); api.stop()")
        self.process = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.token, self.base_url = self.process.stdout.readline().split()

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def run(url: str) -> dict:
    from data.ops.scratch import scratch_database
    from tests.telegram_fake_api import FakeBotAPI

    with scratch_database(url, "okno_bench_tg", use=True):
        api = _ApiProcess() if os.environ.get("BENCH_TELEGRAM_API") == "process" else FakeBotAPI().start()
        try:
            result = asyncio.run(_measure(api))
            result["loopback_api"] = "process" if isinstance(api, _ApiProcess) else "thread of the bench process"
            return result
        finally:
            api.stop()


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from data import db as _db
    print(json.dumps(run(_db.database_url()), indent=2))
