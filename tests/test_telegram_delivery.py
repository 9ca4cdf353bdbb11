"""Back to the chat: agents' replies, 429 and 403, status notifications, email linking, the webhook."""
from __future__ import annotations

import random
import re
import time

from sqlalchemy import select

from data.tickets import actions as tickets
from data.db import read_session, session_scope
from data.models import Comment, Outbox, RequesterIdentity, Ticket, User
from tests import factories
from tests.telegram_fake_api import text_message
from tests.telegram_support import Chat, api, cat, unique, worker  # noqa: F401


def telegram_ticket(cat, chat_id: int) -> int:
    """A request that came from a Telegram chat (its requester has that chat as identity)."""
    with session_scope() as s:
        requester = factories.requester(s, telegram=chat_id, name="Ирина")
        ticket = tickets.create(s, None, title=unique("Принтер"), board_id=cat["board_id"], requester_id=requester.id,
                                channel="telegram", service_id=cat["general_id"])
        return ticket.id


def agent_reply(cat, ticket_id: int, body: str) -> int:
    with session_scope() as s:
        agent = s.get(User, cat["agent_id"])
        return tickets.comment(s, agent, ticket_id, body).id


def comment_state(comment_id: int) -> tuple[str, str | None]:
    with read_session() as s:
        c = s.get(Comment, comment_id)
        return c.delivery_state, c.delivery_error


def test_agent_reply_arrives_and_the_requesters_reply_becomes_a_comment(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id = telegram_ticket(cat, chat.chat_id)
    comment_id = agent_reply(cat, ticket_id, "Перезагрузите принтер, пожалуйста")
    message = chat.expect("Перезагрузите принтер")
    with read_session() as s:
        number = s.get(Ticket, ticket_id).number
    assert f"#{number}" in message["text"]
    api.wait_for(lambda: comment_state(comment_id)[0] == "sent")
    chat.send("Перезагрузил, работает", reply_to=message)
    chat.expect(f"Добавлено к заявке №{number}")
    with read_session() as s:
        bodies = [c.body for c in s.scalars(select(Comment).where(Comment.ticket_id == ticket_id)
                                             .order_by(Comment.id))]
    assert bodies == ["Перезагрузите принтер, пожалуйста", "Перезагрузил, работает"]


def test_429_is_retried_after_retry_after(api, cat, worker):
    chat_id = random.randint(10**6, 10**9)
    ticket_id = telegram_ticket(cat, chat_id)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    comment_id = agent_reply(cat, ticket_id, "Ответ после паузы")
    api.wait_for(lambda: comment_state(comment_id)[0] == "sent", timeout=15)
    times = [t for t, m, p in api.calls if m == "sendMessage" and str(p.get("chat_id")) == str(chat_id)]
    assert len(times) == 2 and times[1] - times[0] >= 1.0
    with read_session() as s:
        row = s.scalar(select(Outbox).where(Outbox.comment_id == comment_id))
        assert row.state == "sent" and row.attempts == 2


def test_403_marks_the_reply_failed_and_stops(api, cat, worker):
    chat_id = random.randint(10**6, 10**9)
    ticket_id = telegram_ticket(cat, chat_id)
    api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    comment_id = agent_reply(cat, ticket_id, "Ответ, который не дойдёт")
    api.wait_for(lambda: comment_state(comment_id)[0] == "failed")
    state, error = comment_state(comment_id)
    assert "blocked by the user" in error
    time.sleep(0.6)  # a few sweeps later: still one attempt
    assert len(api.sent("sendMessage", chat_id=chat_id)) == 1


def test_status_change_is_notified_when_the_service_asks(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id = telegram_ticket(cat, chat.chat_id)
    with session_scope() as s:
        agent = s.get(User, cat["agent_id"])
        ticket = tickets.move(s, agent, ticket_id, cat["columns"]["in_progress"])
        number = ticket.number
    notice = chat.expect(str(number))
    assert "В работе" in notice["text"]


def test_link_email_with_a_pin_joins_the_requests(api, cat, worker):
    email = f"{unique('anna').replace(' ', '.')}@example.com"
    with session_scope() as s:  # the same person already wrote by email
        by_mail = factories.requester(s, email=email, name="Анна")
        old = tickets.create(s, None, title=unique("Письмо"), board_id=cat["board_id"], requester_id=by_mail.id,
                             channel="email", service_id=cat["service_id"])
        old_number, mail_requester_id = old.number, by_mail.id
    chat = Chat(api, random.randint(10**6, 10**9))
    chat.send(unique("Из телеграма"))
    chat.expect("зарегистрирована")
    chat.send("/link")
    chat.expect("Пришлите адрес почты")
    chat.send("not-an-email")
    chat.expect("не похоже")
    chat.send(email.upper())
    chat.expect("Я отправил 6-значный PIN")
    with read_session() as s:
        pin_mail = s.scalar(select(Outbox).where(Outbox.channel == "email", Outbox.kind == "pin",
                                                 Outbox.recipient == email))
        pin = re.search(r"\b\d{6}\b", f"{pin_mail.subject} {pin_mail.body}").group(0)
    chat.send("000000" if pin != "000000" else "111111")
    chat.expect("Неверный или истёкший PIN")
    chat.send(pin)
    chat.expect("привязана")
    with read_session() as s:
        owner = s.scalar(select(RequesterIdentity.requester_id).where(
            RequesterIdentity.channel == "telegram", RequesterIdentity.address == str(chat.chat_id)))
        numbers = set(s.scalars(select(Ticket.number).where(Ticket.requester_id == owner)))
    assert owner == mail_requester_id and old_number in numbers and len(numbers) == 2
    chat.send("/my")
    assert f"#{old_number}" in chat.expect("Ваши заявки")["text"]


def test_webhook_checks_the_secret_and_handles_the_update(api, cat, client, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
    monkeypatch.setenv("TELEGRAM_API_URL", api.base_url)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret-token")
    chat_id = random.randint(10**6, 10**9)
    title = unique("Через вебхук")
    update = {"update_id": 9001, **text_message(title, chat_id=chat_id)}
    refused = client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert refused.status_code == 403
    for _ in range(2):  # Telegram retries: the second delivery changes nothing
        ok = client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert ok.status_code == 200
    with read_session() as s:
        assert s.scalars(select(Ticket.title).where(Ticket.title == title)).all() == [title]
    assert len([m for m in api.sent("sendMessage", chat_id=chat_id) if "зарегистрирована" in m["text"]]) == 1
