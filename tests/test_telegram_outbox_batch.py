"""The Telegram outbox sends a batch at a time, chats side by side: a chat still reads its messages in order."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from data import db
from data.messaging import outbox
from data.models import Outbox
from ingest.common import now
from ingest.telegram import out
from ingest.telegram.bot import build_bot
from tests.telegram_fake_api import FakeBotAPI

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture
def api():
    with db.session_scope() as s:  # messages other tests left queued are not this test's to count
        s.execute(delete(Outbox).where(Outbox.channel == "telegram", Outbox.state == "queued"))
    server = FakeBotAPI().start()
    yield server
    server.stop()


def _deliver(api: FakeBotAPI) -> int:
    async def run():
        async with build_bot(api.token, api.base_url) as bot:
            return await out.deliver_due(bot)
    return asyncio.run(run())


def _shown(api: FakeBotAPI, chat: int) -> list[str]:
    """What the chat shows (calls refused with an error show nothing)."""
    with api.lock:
        return [m["text"] for m in api.outgoing if str(m["chat"]["id"]) == str(chat)]


def test_a_429_holds_the_chats_later_messages_but_not_other_chats(api, monkeypatch):
    monkeypatch.setattr(out, "PARALLEL_CHATS", 1)  # chats in the order of their first row: the 429 is chat A's
    with db.session_scope() as s:
        rows = [outbox.queue(s, channel="telegram", kind="notification", recipient=chat, body=body)
                for chat, body in (("880001", "first"), ("880002", "other chat"), ("880001", "second"))]
        s.flush()
        first, other, second = (r.id for r in rows)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    assert _deliver(api) == 3
    assert _shown(api, 880002) == ["other chat"]
    assert _shown(api, 880001) == [] and len(api.sent(chat_id=880001)) == 1  # refused; the second held back
    with db.read_session() as s:
        got = {r.id: r for r in s.scalars(select(Outbox).where(Outbox.id.in_([first, other, second])))}
        assert got[other].state == "sent" and got[other].external_id
        assert got[first].state == got[second].state == "queued"
        assert (got[first].attempts, got[second].attempts) == (1, 0), "the held row was not tried"
        assert got[second].next_attempt_at == got[first].next_attempt_at > now()

    with db.session_scope() as s:  # the retry time comes
        s.execute(update(Outbox).where(Outbox.id.in_([first, second])).values(next_attempt_at=now() - timedelta(seconds=1)))
    assert _deliver(api) == 2
    assert _shown(api, 880001) == ["first", "second"]
    with db.read_session() as s:
        assert {r.state for r in s.scalars(select(Outbox).where(Outbox.id.in_([first, second])))} == {"sent"}
