"""Requester PINs: a stranger's wrong guesses from their address don't lock the requester out at theirs;
the plain PIN is gone from the outbox once the message is delivered (email and Telegram)."""
from __future__ import annotations

import asyncio
import re
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from data.db import read_session, session_scope
from data.intake import pins
from data.messaging import outbox
from data.models import Outbox
from ingest.email import out as email_out
from ingest.telegram import out as telegram_out
from tests.telegram_fake_api import FakeBotAPI


def last_pin_row(session, address):
    return session.scalar(select(Outbox).where(Outbox.recipient == address, Outbox.kind == "pin")
                          .order_by(Outbox.id.desc()).limit(1))


def test_a_strangers_lockout_does_not_block_the_requester_from_their_address(session):
    address = f"victim-{uuid.uuid4().hex[:6]}@corp.example"
    pins.request_pin(session, address, "192.0.2.10")
    code = re.search(r"\b(\d{6})\b", last_pin_row(session, address).body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    stranger = [pins.verify(session, address, wrong, ip="203.0.113.66").reason for _ in range(6)]
    assert stranger[-1] == "locked"
    assert pins.verify(session, address, code, ip="203.0.113.66").reason == "locked"  # not for the stranger

    check = pins.verify(session, address, code, ip="192.0.2.10")
    assert check.ok and check.requester.email == address


def test_one_address_guessing_many_requesters_is_stopped(session):
    for i in range(21):
        pins.request_pin(session, f"many{i}-{uuid.uuid4().hex[:4]}@corp.example", f"198.51.100.{i}")
    rows = session.scalars(select(Outbox).where(Outbox.kind == "pin").order_by(Outbox.id.desc()).limit(21)).all()
    reasons = [pins.verify(session, row.recipient, "999999" if "999999" not in row.body else "888888",
                           ip="203.0.113.99").reason for row in reversed(rows)]
    assert reasons[:20] == ["wrong"] * 20 and reasons[20] == "locked"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(str(message["To"]) + "\n" + message.get_body(("plain",)).get_content())
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


def test_the_pin_is_gone_from_the_outbox_after_email_delivery(database_url, smtp):
    address = f"mailed-{uuid.uuid4().hex[:6]}@corp.example"
    with session_scope() as s:
        pins.request_pin(s, address, "192.0.2.20")
    with read_session() as s:
        code = re.search(r"\b(\d{6})\b", last_pin_row(s, address).body).group(1)

    email_out.deliver_due()

    assert any(code in m and address in m for m in smtp.messages)  # the requester got it
    with read_session() as s:
        row = last_pin_row(s, address)
        assert row.state == "sent"
        assert code not in row.body and code not in (row.subject or "")


def test_the_pin_is_gone_from_the_outbox_after_telegram_delivery(database_url):
    api = FakeBotAPI().start()
    try:
        with session_scope() as s:
            row = outbox.queue(s, channel="telegram", kind="pin", recipient="424242", subject=None,
                               body="Your code: 314159")
            s.flush()
            row_id = row.id
        from telegram import Bot

        async def run():
            async with Bot(api.token, base_url=api.base_url, base_file_url=api.root + "/file/bot") as b:
                return await telegram_out.deliver_due(b, ids=[row_id])
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, run()).result()
    finally:
        api.stop()
    with read_session() as s:
        row = s.get(Outbox, row_id)
        assert row.state == "sent"
        assert "314159" not in row.body
