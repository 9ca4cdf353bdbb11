"""A batch of Telegram updates written set-based (ingest/telegram/together.py) leaves what one update at a
time leaves: tickets, comments, events, SLA, outbox answers (sent to the loopback Bot API), chat state."""
from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from sqlalchemy import select

from data import db
from data.models import (Comment, InboundMessage, Outbox, Requester, RequesterIdentity, SlaPolicy, TelegramDraft,
                         Ticket, TicketEvent, TicketSla)
from data.tickets import actions as tickets
from ingest.telegram import together
from ingest.telegram.bot import build_bot
from ingest.telegram.inbox import process_pending, store_updates
from tests import factories
from tests.telegram_fake_api import FakeBotAPI, text_message

pytestmark = pytest.mark.usefixtures("database_url")


def _world(tag: str, base: int) -> dict:
    """A board and a default service with an auto-reply and an SLA policy; two chats already known: one with
    a request the bot told them about (message 777), one with nothing yet."""
    with db.session_scope() as s:
        board = factories.board(s, name=f"Together {tag}")
        service = factories.service(s, board, code=f"tg{tag}", name=f"Together {tag}")
        service.auto_reply_template = "Заявка #{number} «{title}» принята, {requester}"
        s.add(SlaPolicy(name=f"sla {tag}", first_response_minutes=60, resolution_minutes=480,
                        conditions={"service_ids": [service.id]}))
        known = factories.requester(s, telegram=base + 1, name="Ольга")
        factories.requester(s, telegram=base + 2, name="Пётр").locale = "en"
        other = factories.requester(s, telegram=base + 9, name="Чужой")
        factories.requester(s, telegram=base + 6, name="Анна")
        ticket = tickets.create(s, None, title="Сканер", board_id=board.id, requester_id=known.id, channel="telegram",
                                service_id=service.id)
        theirs = tickets.create(s, None, title="Не ваш", board_id=board.id, requester_id=other.id, channel="telegram",
                                service_id=service.id)
        for t, chat, message in ((ticket, base + 1, "777"), (theirs, base + 9, "777"), (theirs, base + 6, "778")):
            s.add(Outbox(channel="telegram", kind="bot", recipient=str(chat), body="Заявка создана", ticket_id=t.id,
                         state="sent", external_id=message))
        return {"service_id": service.id, "code": service.code}


def _updates(base: int, bot_id: int) -> list[dict]:
    """New chats' plain messages, a known chat's, a reply about one's own request, a reply about someone
    else's (sent by a chat that does not own it), a command, a group message, a chat with two messages,
    and one update delivered twice."""
    def bot_message(chat: int, message_id: int = 777) -> dict:
        return {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
                "from": {"id": bot_id, "is_bot": True, "first_name": "Okno"}, "text": "Заявка создана"}
    out = []
    n = 0

    def add(update: dict) -> None:
        nonlocal n
        n += 1
        out.append({"update_id": n, **update})
    for i in range(6):
        add(text_message(f"Квазиформ {i}\nвторая строка   с  пробелами", chat_id=base + 100 + i, message_id=10 + i,
                         language_code="en" if i % 2 else "ru", username=None if i == 3 else f"user{i}"))
    add(text_message("Квазиформ известного", chat_id=base + 2, message_id=5, language_code="ru"))
    add(text_message("Спасибо, заработало", chat_id=base + 1, message_id=6, reply_to=bot_message(base + 1)))
    add(text_message("Ответ из незнакомого чата", chat_id=base + 8, message_id=7, reply_to=bot_message(base + 8)))
    add(text_message("Ответ про чужую заявку", chat_id=base + 6, message_id=7, reply_to=bot_message(base + 6, 778)))
    add(text_message("/start", chat_id=base + 3, message_id=8))
    add(text_message("@okno_test_bot Квазиформ в группе", chat_id=-(base + 4), message_id=9))
    add(text_message("Квазиформ первый", chat_id=base + 5, message_id=20))
    add(text_message("Квазиформ второй", chat_id=base + 5, message_id=21))
    out.append(dict(out[0]))  # the same update again
    return out


def _run(api: FakeBotAPI, base: int, tag: str, monkeypatch, set_intake: bool) -> tuple[dict, list[int]]:
    world = _world(tag, base)
    monkeypatch.setenv("TELEGRAM_DEFAULT_SERVICE", world["code"])
    monkeypatch.setenv("OKNO_TELEGRAM_SET_INTAKE", "1" if set_intake else "0")
    taken: list[int] = []
    original = together._write

    def counting(*args, **kwargs):
        result = original(*args, **kwargs)
        taken.append(len(result))
        return result
    monkeypatch.setattr(together, "_write", counting)
    world["bot_id"] = asyncio.run(_handle(api, base, expect_new=True))
    monkeypatch.setattr(together, "_write", original)
    return world, taken


async def _handle(api: FakeBotAPI, base: int, expect_new: bool) -> int:
    """Store the updates (twice: a redelivery) and handle them all; returns the bot's id."""
    bot = build_bot(api.token, api.base_url)
    async with bot:
        updates = _updates(base, bot.id)
        assert store_updates(bot.id, updates) == (len(updates) - 1 if expect_new else 0)
        assert store_updates(bot.id, updates) == 0  # redelivered: nothing new
        handled = await process_pending(bot, bot.id, bot.username, limit=100)
        assert handled == (len(updates) - 1 if expect_new else 0)
        assert await process_pending(bot, bot.id, bot.username) == 0
        return bot.id


@pytest.fixture
def apis():
    """A loopback Bot API per run (each its own bot: update ids start at 1 for each)."""
    started: list[FakeBotAPI] = []

    def start() -> FakeBotAPI:
        started.append(FakeBotAPI().start())
        return started[-1]
    yield start
    for server in started:
        server.stop()


def _snapshot(world: dict, base: int) -> dict:
    """What people see, with chat ids (base), ticket numbers and ids (the two runs share a database) taken out."""
    prefix = str(base // 1000)

    def plain(value):
        return re.sub(r"([#№])\d+", r"\1N", str(value).replace(prefix, "B"))
    with db.read_session() as s:
        chats = {}
        for d in s.scalars(select(TelegramDraft).where(TelegramDraft.chat_id.like(f"%{prefix}%"))):
            who = s.get(Requester, d.requester_id) if d.requester_id else None
            chats[plain(d.chat_id)] = (d.step, d.locale, d.data, who.name if who else None, who.locale if who else None)
        identities = sorted((plain(i.address), i.display, i.unreachable_at is None, s.get(Requester, i.requester_id).name)
                            for i in s.scalars(select(RequesterIdentity).where(
                                RequesterIdentity.channel == "telegram", RequesterIdentity.address.like(f"%{prefix}%"))))
        result = []
        for t in s.scalars(select(Ticket).where(Ticket.service_id == world["service_id"]).order_by(Ticket.title)):
            comments = [(plain(c.body), c.is_public, c.is_system, c.channel, c.delivery_state, plain(c.external_id),
                         c.author_requester_id == t.requester_id)
                        for c in s.scalars(select(Comment).where(Comment.ticket_id == t.id).order_by(Comment.id))]
            events = sorted((e.kind, e.actor_requester_id == t.requester_id, e.to_status, e.to_value,
                             json.dumps({k: v for k, v in (e.data or {}).items() if k != "comment_id"}, sort_keys=True))
                            for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
            sla = sorted((r.target, r.cycle, round((r.due_at - t.created_at).total_seconds()), r.state)
                         for r in s.scalars(select(TicketSla).where(TicketSla.ticket_id == t.id)))
            who = s.get(Requester, t.requester_id)
            result.append((t.title, t.description, t.status, t.channel, t.column_id is not None, t.version,
                           t.updated_at >= t.created_at, who.name, who.locale, comments, events, sla,
                           t.first_response_due_at is not None))
        outbox = sorted((plain(o.recipient), o.kind, plain(o.body), plain(o.subject), o.state, o.attempts,
                         json.dumps(o.payload, sort_keys=True), o.ticket_id is not None, o.comment_id is not None)
                        for o in s.scalars(select(Outbox).where(Outbox.recipient.like(f"%{prefix}%"))))
        stored = sorted((json.loads(r.raw)["update_id"], r.state, r.attempts, r.error) for r in s.scalars(
            select(InboundMessage).where(InboundMessage.channel == "telegram",
                                         InboundMessage.source == str(world["bot_id"]))))
        return {"chats": chats, "identities": identities, "tickets": result, "outbox": outbox, "stored": stored}


def test_set_based_batch_writes_what_one_update_at_a_time_writes(apis, monkeypatch):
    one_world, one_taken = _run(apis(), 710_000_000, "one", monkeypatch, set_intake=False)
    many_world, many_taken = _run(apis(), 720_000_000, "many", monkeypatch, set_intake=True)
    assert one_taken == [] and many_taken == [9], "7 new chats + a known chat + a reply, taken together"
    single, together_ = _snapshot(one_world, 710_000_000), _snapshot(many_world, 720_000_000)
    for key in ("chats", "identities", "tickets", "outbox", "stored"):
        assert together_[key] == single[key], key
    # what a person checks, beside the equality
    titles = [t[0] for t in together_["tickets"]]
    assert titles.count("Квазиформ 0") == 1, "the update delivered twice made one request"
    assert {"Квазиформ известного", "Ответ из незнакомого чата", "Ответ про чужую заявку"} <= set(titles)
    assert "Квазиформ второй" in titles and "Квазиформ первый" in titles
    scanner = next(t for t in together_["tickets"] if t[0] == "Сканер")
    assert [c[0] for c in scanner[9]] == ["Спасибо, заработало"] and scanner[5] == 2, "comment; version bumped"
    assert all(o[4] == "sent" for o in together_["outbox"] if o[1] == "bot"), "answers delivered"
    bodies = " ".join(o[2] for o in together_["outbox"])
    assert "Request #N is registered" in bodies and "Заявка №N зарегистрирована" in bodies
    assert "Добавлено к заявке №N" in bodies and "Заявка #N «Квазиформ 1» принята" in bodies
    assert all(state == "processed" for _i, state, _a, _e in together_["stored"])
    assert any(t[12] for t in together_["tickets"]), "the SLA policy applies"


def test_the_same_updates_in_a_later_batch_do_nothing(apis, monkeypatch):
    api = apis()
    world, taken = _run(api, 730_000_000, "again", monkeypatch, set_intake=True)
    before = _snapshot(world, 730_000_000)
    asyncio.run(_handle(api, 730_000_000, expect_new=False))
    assert _snapshot(world, 730_000_000) == before and taken == [9]
