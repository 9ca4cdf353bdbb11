"""The Telegram worker killed (SIGKILL) after the Bot API accepted a message and before the worker
recorded it: no other worker re-sends it while the claim's lease runs, and after the lease it is sent
exactly once more (the Bot API has no idempotency key: docs/reliability.md). Real worker process,
loopback Bot API server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from data import db
from data.messaging import outbox
from data.models import Outbox
from ingest.common import now
from tests.telegram_fake_api import FakeBotAPI

pytestmark = pytest.mark.usefixtures("database_url")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = """
import asyncio, sys
from telegram import Bot
from ingest.telegram.out import deliver_due

async def main():
    async with Bot(sys.argv[1], base_url=sys.argv[2]) as bot:
        await deliver_due(bot)

asyncio.run(main())
"""


class KillingBotAPI(FakeBotAPI):
    """Accepts the message, then kills the worker process `victim` (if set) before answering."""

    victim: subprocess.Popen | None = None

    def _message(self, params: dict) -> dict:
        message = super()._message(params)
        if self.victim is not None:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim.wait()
            self.victim = None
        return message


@pytest.fixture
def api():
    with db.session_scope() as s:  # messages other tests left queued are not this test's to count
        s.execute(delete(Outbox).where(Outbox.channel == "telegram", Outbox.state == "queued"))
    server = KillingBotAPI().start()
    yield server
    server.stop()


def _worker(api: KillingBotAPI, kill: bool = False) -> int:
    proc = subprocess.Popen([sys.executable, "-c", WORKER, api.token, api.base_url], cwd=ROOT, env=dict(os.environ))
    if kill:
        api.victim = proc
    return proc.wait(timeout=60)


def test_a_worker_killed_after_sending_sends_once_more_and_only_after_the_lease(api):
    with db.session_scope() as s:
        row = outbox.queue(s, channel="telegram", kind="notification", recipient="777001", body="#1: В работе")
        s.flush()
        row_id = row.id

    assert _worker(api, kill=True) == -signal.SIGKILL
    assert len(api.sent(chat_id=777001)) == 1
    assert _worker(api) == 0  # another worker at once: the row is leased to the dead one
    assert len(api.sent(chat_id=777001)) == 1

    with db.session_scope() as s:  # the lease runs out
        s.execute(update(Outbox).where(Outbox.id == row_id).values(next_attempt_at=now() - timedelta(seconds=1)))
    assert _worker(api) == 0
    assert len(api.sent(chat_id=777001)) == 2
    with db.read_session() as s:
        row = s.get(Outbox, row_id)
        assert (row.state, row.attempts) == ("sent", 2)
