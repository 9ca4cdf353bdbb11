"""A requester signs in to the portal with a PIN caught by a local SMTP server, submits a request whose
form changes with a field, sees it in "my requests", and the card lands on the right board and agent."""
from __future__ import annotations

import email
import re
import socket
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from data.db import session_scope
from data.models import Ticket
from ingest.email.out import deliver_due
from tests import factories as f
from tests.portal_factories import request_type

FIELDS = [
    {"key": "remote_help", "type": "checkbox", "label": "Нужна удалённая помощь"},
    {"key": "location", "type": "text", "label": "Где вы находитесь", "required": True,
     "show_when": {"field": "remote_help", "equals": False}},
    {"key": "topic", "type": "select", "label": "Тема", "required": True, "options": ["Принтер", "Интернет"]},
]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    yield inbox
    controller.stop()


@pytest.fixture
def desk(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Portal team {tag}")
        alice = f.user(s, "agent", team, name=f"Алиса {tag}")
        sysadmin = f.user(s, "agent", team, name=f"Сисадмин {tag}")
        f.board(s, team, agents=[alice], name=f"IT {tag}")
        hw = f.board(s, team, agents=[sysadmin], name=f"Железо {tag}")
        service = f.service(s, f.board(s, team, name=f"Queue {tag}"), name=f"IT-поддержка {tag}")
        service.allowed_domains = ["corp.example"]
        request_type(s, service, fields=FIELDS, name=f"Проблема {tag}", routing={
            "assign": "fixed", "user_id": alice.id,
            "rules": [{"field": "topic", "equals": "Принтер", "card_type": "Hardware", "assignee_id": sysadmin.id,
                       "board_id": hw.id}]})
        return dict(tag=tag, service=service.name, hw=hw.id, sysadmin=sysadmin.id)


def pin_from_smtp(inbox: Inbox, address: str) -> str:
    deadline = time.time() + 20
    while time.time() < deadline:
        deliver_due()
        for msg in inbox.messages:
            if msg["To"] == address:
                return re.search(r"\b(\d{6})\b", msg.get_payload(decode=True).decode()).group(1)
        time.sleep(0.3)
    raise AssertionError("no PIN email arrived")


def choose(page, dropdown: str, option: str):
    """Pick by typing, as a person with a long list does: the dropdown renders only the options in view,
    and other tests' services can push this one out of it. A list whose options are replaced while it is open
    (a type's follow the service: on a busy machine they arrive late) drops what was typed, so a person closes
    it and types again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    for _attempt in range(3):
        page.click(dropdown)
        page.get_by_role("option").first.wait_for()  # the options have arrived
        page.keyboard.type(option)
        try:
            page.get_by_role("option", name=option).click(timeout=5000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    page.click(dropdown)
    page.keyboard.type(option)
    page.get_by_role("option", name=option).click()


def test_requester_signs_in_with_pin_and_submits_a_request(page, live_server, desk, smtp):
    address = f"anna.{desk['tag']}@corp.example"
    page.goto(live_server + "/portal")
    assert page.url.endswith("/portal/login")
    page.fill("#portal-email", address)
    page.click("#portal-send")
    assert address in page.inner_text("#portal-login-info")
    page.fill("#portal-pin", pin_from_smtp(smtp, address))
    page.click("#portal-verify")
    page.wait_for_selector("#portal-empty")

    page.click("#portal-new-button")
    choose(page, "#portal-new-service", desk["service"])
    choose(page, "#portal-new-type", f"Проблема {desk['tag']}")
    location = page.locator("#portal-new-form >> text=Где вы находитесь")
    location.wait_for()
    page.click("#portal-new-submit")  # nothing filled: messages appear next to the fields
    page.wait_for_selector("#portal-new-error")
    assert page.get_by_text("Заполните это поле").count() == 2
    page.click("text=Нужна удалённая помощь")  # remote help: no location needed, the field goes away
    location.wait_for(state="hidden")
    choose(page, "[id='{\"key\":\"topic\",\"type\":\"portal-field\"}']", "Принтер")
    page.fill("#portal-new-title", "Принтер печатает полосами")
    page.click("#portal-new-submit")
    page.wait_for_url(re.compile(r"/portal/request/\d+$"))
    page.wait_for_selector("#portal-request-status")
    number = int(page.url.rsplit("/", 1)[1])
    assert "Принтер печатает полосами" in page.inner_text("#portal-request-title")

    # A reply with a file, on the request page.
    page.fill("#portal-request-body", "Принтер в кабинете 305")
    page.set_input_files("#portal-request-upload input[type=file]",
                         files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG"}])
    page.click("#portal-request-send")
    page.locator(".portal-message", has_text="Принтер в кабинете 305").wait_for()
    assert "photo.png" in page.locator(".portal-message", has_text="Принтер в кабинете 305").inner_text()

    page.click("#portal-nav-mine")
    page.wait_for_selector("#portal-requests")
    row = page.locator(".portal-request-row", has_text="Принтер печатает полосами")
    assert row.count() == 1 and f"#{number}" in row.inner_text() and "В очереди" in row.inner_text()
    with session_scope() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == number))
        assert (t.board_id, t.assignee_id, t.card_type, t.channel) == (desk["hw"], desk["sysadmin"], "Hardware", "portal")
        assert t.fields == {"remote_help": True, "topic": "Принтер"}
    assert not [e for e in page.console_errors if "favicon" not in e]
