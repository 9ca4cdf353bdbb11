"""Helpers for the Telegram tests: the real worker in a thread, a chat as its user sees it, a catalog."""
from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from data.db import session_scope
from data.models import RequestType
from ingest.telegram.bot import TelegramWorker
from tests import factories
from tests.telegram_fake_api import FakeBotAPI, callback, photo_message, text_message


class WorkerThread:
    """`python -m ingest telegram`'s worker, run in a thread against the fake Bot API."""

    def __init__(self, api: FakeBotAPI):
        self.worker = TelegramWorker(api.token, api.base_url, poll_timeout=1, sweep_interval=0.2)
        self.worker.conflict_pause = 0.2
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.stop_event = asyncio.Event()
        self.loop.call_soon(self.ready.set)
        self.loop.run_until_complete(self.worker.run(self.stop_event))
        self.loop.close()

    def start(self) -> "WorkerThread":
        self.thread.start()
        self.ready.wait(5)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(15)
        assert not self.thread.is_alive(), "worker did not stop"


class Chat:
    """One user's private chat: send text, press buttons of the bot's last message, read replies."""

    def __init__(self, api: FakeBotAPI, chat_id: int, language_code: str = "ru"):
        self.api, self.chat_id, self.lang = api, chat_id, language_code
        self.next_message_id = 1

    def messages(self) -> list[dict]:
        with self.api.lock:
            return [m for m in self.api.outgoing if m["chat"]["id"] == self.chat_id]

    def send(self, text: str, reply_to: dict | None = None, update_id: int | None = None) -> int:
        self.next_message_id += 1
        update = text_message(text, chat_id=self.chat_id, message_id=self.next_message_id, reply_to=reply_to,
                              language_code=self.lang)
        if update_id is not None:
            update["update_id"] = update_id
        return self.api.push(update)

    def send_photo(self, file_id: str, content: bytes) -> None:
        self.api.add_file(file_id, content, f"photos/{file_id}.jpg")
        self.next_message_id += 1
        self.api.push(photo_message(file_id, len(content), chat_id=self.chat_id, message_id=self.next_message_id))

    def press(self, label: str, timeout: float = 30.0) -> str:
        """Press the button whose text contains `label` on the newest message that has it (waits for it)."""
        def button():
            for message in reversed(self.messages()):
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                    for b in row:
                        if label in b["text"]:
                            return message, b["callback_data"]
            return None
        try:
            message, data = self.api.wait_for(button, timeout)
        except AssertionError:
            raise AssertionError(f"no button {label!r} in chat {self.chat_id}: {[m.get('text') or m.get('caption') for m in self.messages()]}")
        self.api.push(callback(data, chat_id=self.chat_id, message=message, language_code=self.lang))
        return data

    def open_form(self, service_name: str, type_name: str) -> None:
        """/new, then the service and the request type."""
        self.send("/new")
        self.press(service_name)
        self.press(type_name)

    def expect(self, fragment: str, timeout: float = 30.0) -> dict:
        """Wait for a message containing `fragment` that arrived after the last one expected."""
        start = getattr(self, "_seen", 0)

        def found():
            for i, message in enumerate(self.messages()[start:], start):
                if fragment in (message.get("text") or message.get("caption") or ""):
                    self._seen = i + 1
                    return message
            return None
        try:
            return self.api.wait_for(found, timeout)
        except AssertionError:
            raise AssertionError(f"{fragment!r} not received; chat: {[m.get('text') or m.get('caption') for m in self.messages()]}")


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


PRINTER_FIELDS = [
    {"key": "remote_help", "type": "checkbox", "label": "Нужна удалённая помощь", "required": False},
    {"key": "location", "type": "text", "label": "Где вы находитесь", "required": True,
     "show_when": {"field": "remote_help", "equals": False}},
    {"key": "scope", "type": "select", "label": "Масштаб проблемы", "required": True,
     "options": ["Массовая", "Локальная"]},
    {"key": "description", "type": "textarea", "label": "Опишите проблему", "required": False},
]


def catalog(notify: bool = False) -> dict:
    """A committed board, service and request type with a conditional field and a required checklist item."""
    with session_scope() as s:
        agent = factories.user(s, "agent")
        board = factories.board(s)
        service = factories.service(s, board, code=uuid.uuid4().hex[:12], name=unique("Печать"))
        service.notify = {"on_status_change": notify, "status_window_minutes": 0}  # at once: the tests wait
        rt = RequestType(service_id=service.id, code="printer", name=unique("Принтер"), field_schema=PRINTER_FIELDS,
                         checklist=[{"text": "Принтер включён", "required_on_submit": True},
                                    {"text": "Проверить картридж", "required_on_submit": False}])
        s.add(rt)
        general = factories.service(s, board, code=uuid.uuid4().hex[:12], name=unique("Другое"))  # plain messages
        general.notify = {"on_status_change": notify, "status_window_minutes": 0}
        s.flush()
        for column in board.columns:  # what the requester is told about each stage
            column.requester_status = {"queue": "Принята", "in_progress": "В работе"}.get(column.kind)
        return {"general_code": general.code, "general_id": general.id, "agent_id": agent.id, "board_id": board.id, "service_id": service.id, "service_code": service.code,
                "service_name": service.name, "type_id": rt.id, "type_name": rt.name,
                "columns": {c.kind: c.id for c in board.columns}}



@pytest.fixture
def api():
    server = FakeBotAPI().start()
    yield server
    server.stop()


@pytest.fixture
def cat(engine, monkeypatch):
    """The catalog; plain messages go to its type-less service, status changes are notified."""
    info = catalog(notify=True)
    monkeypatch.setenv("TELEGRAM_DEFAULT_SERVICE", info["general_code"])
    return info


@pytest.fixture
def worker(api, cat):
    w = WorkerThread(api).start()
    yield w
    if w.thread.is_alive():
        w.stop()
