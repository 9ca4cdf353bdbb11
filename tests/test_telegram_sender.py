"""The answers sent by a sender process of their own (`python -m ingest telegram --send-only`,
ingest/telegram/sender.py) while the worker goes on handling: woken by the batch's commit, every answer
arrives once, in its own chat, and the outbox says so."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from data import db
from data.models import Outbox
from ingest.telegram.bot import build_bot
from ingest.telegram.inbox import process_pending, store_updates
from tests import factories
from tests.telegram_fake_api import FakeBotAPI, text_message

pytestmark = pytest.mark.usefixtures("database_url")
ROOT = Path(__file__).resolve().parent.parent
BASE = 940_000_000


def _listening(n: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope() as s:
            if s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND query = 'LISTEN okno_telegram_outbox'")) >= n:
                return
        time.sleep(0.05)
    raise AssertionError("the sender process never listened")


async def _handle(api: FakeBotAPI, chats: int) -> int:
    bot = build_bot(api.token, api.base_url)
    async with bot:
        store_updates(bot.id, [{"update_id": i + 1, **text_message(f"Не печатает принтер {i}", chat_id=BASE + i,
                                                                     message_id=i + 1)} for i in range(chats)])
        return await process_pending(bot, bot.id, bot.username, limit=100, send=False)


def test_a_sender_process_sends_every_answer_once_as_soon_as_the_batch_commits(monkeypatch):
    with db.session_scope() as s:
        factories.service(s, factories.board(s, name="Sender"), code="tgsender", name="Sender")
    monkeypatch.setenv("TELEGRAM_DEFAULT_SERVICE", "tgsender")
    api = FakeBotAPI().start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url}
    # A sweep once a minute: only the commit's notification can bring the answers within the test's wait.
    child = subprocess.Popen([sys.executable, "-m", "ingest", "telegram", "--send-only", "--sweep-interval", "60"],
                             cwd=ROOT, env=env)
    try:
        _listening(1)
        assert asyncio.run(_handle(api, 30)) == 30
        answers = api.wait_for(lambda: (lambda got: got if len(got) >= 30 else None)(
            [m for m in api.sent("sendMessage") if BASE <= int(m["chat_id"]) < BASE + 30]), timeout=20)
        time.sleep(0.5)  # anything sent twice would show by now
        answers = [m for m in api.sent("sendMessage") if BASE <= int(m["chat_id"]) < BASE + 30]
    finally:
        child.terminate()
        assert child.wait(timeout=30) == 0
        api.stop()
    assert sorted(int(m["chat_id"]) for m in answers) == list(range(BASE, BASE + 30)), "one answer in every chat"
    assert all("принтер" in m["text"] for m in answers), "the request's title in its answer"
    assert all(m["reply_parameters"]["message_id"] == int(m["chat_id"]) - BASE + 1 for m in answers), \
        "each answer replies to the requester's message"
    with db.session_scope() as s:
        rows = s.execute(select(Outbox.recipient, Outbox.state, Outbox.external_id).where(
            Outbox.channel == "telegram", Outbox.recipient.in_([str(BASE + i) for i in range(30)]))).all()
    assert len(rows) == 30 and all(state == "sent" and external_id for _r, state, external_id in rows)
