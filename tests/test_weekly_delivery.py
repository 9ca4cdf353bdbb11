"""A subscription gets the weekly summary on Monday morning: an email with the PDF at a local SMTP
server (aiosmtpd) and the key numbers plus the PDF at a local Telegram Bot API — through the outbox."""
from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
import uuid
from datetime import datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from data.weekly import delivery as weekly_delivery
from data.weekly import subscriptions as weekly_subscriptions
from data.db import read_session, session_scope
from data.errors import PermissionDenied, ValidationError
from ingest.email import out as email_out
from ingest.telegram import out as telegram_out
from tests import factories as f
from tests.telegram_fake_api import FakeBotAPI
from tests.weekly_data import MSK, WEEK, build


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(controller.port))
    yield inbox
    controller.stop()


@pytest.fixture
def bot():
    api = FakeBotAPI().start()
    yield api
    api.stop()


def _deliver_telegram(api: FakeBotAPI) -> int:
    """The Telegram worker's own outbox delivery, pointed at the loopback Bot API."""
    from telegram import Bot

    async def run():
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.root + "/file/bot") as b:
            return await telegram_out.deliver_due(b)
    with ThreadPoolExecutor(1) as pool:  # its own event loop, whatever the test process runs
        return pool.submit(asyncio.run, run()).result()


def test_monday_delivery_by_email_and_telegram(smtp, bot, engine):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        data = build(s, tag)
        director = data["director"]
        director.email = f"director-{tag}@example.com"
        sub = weekly_subscriptions.save(s, director, user_id=director.id, team_ids=[data["l1"], data["l2"]],
                                        by_email=True, by_telegram=True, telegram_chat_id="4242", locale="en")
        sub_id, director_id = sub.id, director.id
    with session_scope() as s:  # Monday 07:00 in Moscow: too early
        assert weekly_delivery.deliver_due(s, datetime(2024, 5, 20, 7, tzinfo=MSK))["queued"] == 0
    monday = datetime(2024, 5, 20, 9, tzinfo=MSK)
    with session_scope() as s:
        result = weekly_delivery.deliver_due(s, monday)
        assert result["week"] == WEEK.label and result["queued"] >= 2
    with session_scope() as s:  # the scheduler ticks again: nothing twice
        assert weekly_delivery.deliver_due(s, monday)["queued"] == 0

    assert email_out.deliver_due()["sent"] >= 1
    assert _deliver_telegram(bot) >= 1

    mails = [m for to, m in smtp.messages if f"director-{tag}@example.com" in to]
    assert len(mails) == 1
    mail = message_from_bytes(mails[0], policy=policy.default)
    assert "2024-W20" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "Received: 10" in text and "SLA met fell to 40% (from 100%) because of 3 breaches on Thursday" in text
    pdf = next(p for p in mail.iter_attachments())
    assert pdf.get_filename() == "okno-weekly-2024-W20.pdf" and pdf.get_content().startswith(b"%PDF")

    text = bot.sent("sendMessage", chat_id=4242)
    assert len(text) == 1 and "Received: 10" in text[0]["text"]
    [document] = bot.sent("sendDocument", chat_id=4242)
    assert document["_filenames"]["document"] == "okno-weekly-2024-W20.pdf"
    assert document["document"].startswith(b"%PDF") and "2024-W20" in document["caption"]

    with read_session() as s:
        director = s.get(type(data["director"]), director_id)
        shown = [d for d in weekly_subscriptions.deliveries(s, director) if d["week"] == WEEK.label]
    assert sorted((d["channel"], d["state"]) for d in shown) == [("email", "sent"), ("telegram", "sent")]
    assert all(d["recipient"] in (f"director-{tag}@example.com", "4242") for d in shown)
    with session_scope() as s:  # no live subscription left behind for other tests' scheduler ticks
        weekly_subscriptions.delete(s, s.get(type(data["director"]), director_id), sub_id)


def test_subscription_rules(session):
    team = f.team(session)
    director, other, agent = f.user(session, "director"), f.user(session, "director"), f.user(session, "agent")
    admin = f.user(session, "admin")
    with pytest.raises(ValidationError) as err:
        weekly_subscriptions.save(session, director, user_id=director.id, by_email=False, by_telegram=True)
    assert "telegram" in err.value.fields
    with pytest.raises(ValidationError) as err:
        weekly_subscriptions.save(session, director, user_id=director.id, by_email=True, email="not-an-address")
    assert "email" in err.value.fields
    with pytest.raises(PermissionDenied):
        weekly_subscriptions.save(session, director, user_id=other.id)  # only admins subscribe others
    with pytest.raises(PermissionDenied):
        weekly_subscriptions.save(session, agent, user_id=agent.id)
    with pytest.raises(ValidationError) as err:
        weekly_subscriptions.save(session, admin, user_id=agent.id)  # an agent may not read the summary
    assert "user" in err.value.fields
    sub = weekly_subscriptions.save(session, admin, user_id=other.id, team_ids=[team.id], locale="en")
    assert [s["id"] for s in weekly_subscriptions.listing(session, other)] == [sub.id]
    assert weekly_subscriptions.listing(session, director) == []


def test_the_scheduler_tick_queues_the_summary(session):
    """data/scheduler.tick calls deliver_due: on Monday morning a subscription gets its summary queued."""
    from data.automation import scheduler
    from data.models import Outbox
    from sqlalchemy import select
    director = f.user(session, "director")
    weekly_subscriptions.save(session, director, user_id=director.id, by_email=True, locale="en")
    early = datetime(2026, 11, 23, 7, 30, tzinfo=MSK)  # Monday before the send hour
    assert scheduler.tick(session, early)["weekly"] == 0
    monday = datetime(2026, 11, 23, 9, tzinfo=MSK)
    assert scheduler.tick(session, monday)["weekly"] >= 1
    row = session.scalar(select(Outbox).where(Outbox.recipient == director.email, Outbox.kind == "summary"))
    assert "2026-W47" in row.subject and row.payload["attachments"][0]["filename"].startswith("okno-weekly-2026-W47")
