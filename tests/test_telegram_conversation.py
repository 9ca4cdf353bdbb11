"""The real worker (python-telegram-bot) against a loopback Bot API: conversations and idempotency."""
from __future__ import annotations

import logging
import random

from sqlalchemy import func, select

from data.db import read_session
from data.models import Attachment, ChecklistItem, Comment, InboundMessage, RequesterIdentity, Ticket
from tests.telegram_fake_api import callback, photo_message, text_message
from tests.telegram_support import Chat, WorkerThread, api, cat, unique, worker  # noqa: F401


def new_chat(api) -> Chat:
    return Chat(api, random.randint(10**6, 10**9))


def tickets_of_chat(chat_id: int) -> list[Ticket]:
    with read_session() as s:
        requester_id = s.scalar(select(RequesterIdentity.requester_id).where(
            RequesterIdentity.channel == "telegram", RequesterIdentity.address == str(chat_id)))
        found = list(s.scalars(select(Ticket).where(Ticket.requester_id == requester_id).order_by(Ticket.id)))
        s.expunge_all()
        return found


def test_new_request_with_conditional_field_attachment_and_restart(api, cat, worker):
    chat = new_chat(api)
    chat.send("/start")
    chat.expect("Здравствуйте")
    chat.press("Новая заявка")
    chat.expect("Выберите сервис")
    chat.press(cat["service_name"])
    chat.expect("выберите тип заявки")
    chat.press(cat["type_name"])
    chat.expect("Нужна удалённая помощь")

    worker.stop()  # the worker restarts mid-conversation: the draft is in PostgreSQL
    restarted = WorkerThread(api).start()
    try:
        chat.press("Нет")
        chat.expect("Где вы находитесь")  # shown because remote_help = No
        chat.send("")  # an empty answer to a required field is refused
        chat.expect("обязательно")
        chat.send("Офис 3, кабинет 12")
        chat.expect("Масштаб проблемы")
        chat.press("Локальная")
        chat.expect("Опишите проблему (необязательно)")
        chat.press("Пропустить")
        chat.expect("Подтвердите, пожалуйста: Принтер включён")
        chat.press("Подтверждаю")
        chat.expect("Приложите фото")
        chat.send_photo("photo-1", b"\x89PNG fake image bytes")
        chat.expect("Приложено: photo_")
        chat.press("Готово")
        summary = chat.expect("Проверьте заявку")
        assert "Где вы находитесь: Офис 3, кабинет 12" in summary["text"]
        chat.press("Отправить")
        created = chat.expect("зарегистрирована")
    finally:
        restarted.stop()

    [ticket] = tickets_of_chat(chat.chat_id)
    assert f"№{ticket.number}" in created["text"]
    assert ticket.channel == "telegram" and ticket.service_id == cat["service_id"]
    assert ticket.request_type_id == cat["type_id"]
    assert ticket.fields["location"] == "Офис 3, кабинет 12" and ticket.fields["scope"] == "Локальная"
    assert not ticket.fields.get("remote_help") and "description" not in ticket.fields
    with read_session() as s:
        [attachment] = s.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
        assert attachment.content == b"\x89PNG fake image bytes"
        done = {i.text: i.done for i in s.scalars(select(ChecklistItem).where(ChecklistItem.ticket_id == ticket.id))}
    assert done == {"Принтер включён": True, "Проверить картридж": False}
    # the prompt whose button was pressed was edited to show the choice
    assert any(p.get("text", "").endswith("→ Локальная") for p in api.sent("editMessageText"))


def test_show_when_hides_a_field_and_english_texts(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9), language_code="en")
    chat.open_form(cat["service_name"], cat["type_name"])
    chat.expect("Нужна удалённая помощь")
    assert any(m["text"].startswith("Choose a service") for m in chat.messages())  # the app's language
    chat.press("Yes")
    prompt = chat.expect("Масштаб проблемы")  # location is skipped: remote help needs no location
    assert not any("Где вы находитесь" in m["text"] for m in chat.messages())
    chat.send("/cancel")
    chat.expect("Cancelled")
    assert prompt


def test_plain_text_becomes_a_ticket_once_even_if_delivered_twice(api, cat, worker):
    chat = new_chat(api)
    update_id = api.next_update_id + 100
    title = unique("Не работает VPN")
    chat.send(title, update_id=update_id)
    chat.send(title, update_id=update_id)  # Telegram redelivers the same update
    chat.expect("зарегистрирована")
    chat.send("/my")
    listing = chat.expect("Ваши заявки")
    assert title in listing["text"] and "Принята" in listing["text"]
    [ticket] = tickets_of_chat(chat.chat_id)
    assert ticket.title == title and ticket.service_id == cat["general_id"]
    with read_session() as s:
        stored = s.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.channel == "telegram", InboundMessage.external_id == str(update_id)))
    assert stored == 1
    assert sum("зарегистрирована" in m["text"] for m in chat.messages()) == 1


def test_malformed_updates_are_recorded_and_skipped(api, cat, worker):
    weird_id = api.next_update_id + 200
    api.push({"update_id": weird_id, "poll_vote_from_the_future": {"x": 1}})
    api.push({"update_id": weird_id + 1, "message": "not an object"})
    chat = new_chat(api)
    chat.send(unique("После мусора"))
    chat.expect("зарегистрирована")  # the worker lived on
    with read_session() as s:
        rows = {r.external_id: r for r in s.scalars(select(InboundMessage).where(
            InboundMessage.external_id.in_([str(weird_id), str(weird_id + 1)])))}
        assert rows[str(weird_id)].state == "skipped" and "unsupported update" in rows[str(weird_id)].error
        assert rows[str(weird_id + 1)].state == "skipped" and "malformed" in rows[str(weird_id + 1)].error
        assert b"poll_vote_from_the_future" in rows[str(weird_id)].raw


def test_forged_callbacks_are_refused(api, cat, worker, caplog):
    caplog.set_level(logging.WARNING, logger="okno.telegram")
    victim, attacker = new_chat(api), new_chat(api)
    victim.send("/new")
    victim.expect("Выберите сервис")
    attacker.send("/start")
    attacker.expect("Здравствуйте")
    # the attacker replays the victim's button data in their own chat, and invents one
    victim_button = next(b["callback_data"] for m in victim.messages() for row in
                         (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row)
    api.push(callback(victim_button, chat_id=attacker.chat_id, query_id="forged-1"))
    api.push(callback(f"y:{victim_button.split(':')[1]}", chat_id=victim.chat_id, query_id="forged-2"))
    answers = api.wait_for(lambda: [a for a in api.sent("answerCallbackQuery")
                                  if a.get("callback_query_id") in ("forged-1", "forged-2")]
                         if len([a for a in api.sent("answerCallbackQuery")
                                 if a.get("callback_query_id") in ("forged-1", "forged-2")]) == 2 else None)
    assert all("устарела или не ваша" in a["text"] for a in answers)
    assert tickets_of_chat(victim.chat_id) == [] and tickets_of_chat(attacker.chat_id) == []
    assert sum("refused callback" in r.getMessage() for r in caplog.records) >= 2


def test_reply_to_a_request_message_becomes_a_comment(api, cat, worker):
    chat = new_chat(api)
    chat.send(unique("Сломался сканер"))
    created = chat.expect("зарегистрирована")
    chat.send("Модель HP 1020", reply_to=created)
    chat.expect("Добавлено к заявке")
    [ticket] = tickets_of_chat(chat.chat_id)
    with read_session() as s:
        [comment] = s.scalars(select(Comment).where(Comment.ticket_id == ticket.id)).all()
        assert comment.body == "Модель HP 1020" and comment.author_requester_id == ticket.requester_id
        assert comment.channel == "telegram"


def test_too_large_attachment_is_refused_with_the_limit(api, cat, worker, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_ATTACHMENT_MB", "1")
    chat = new_chat(api)
    api.push(photo_message("huge", 50 * 2**20, chat_id=chat.chat_id, caption="Скан договора"))
    chat.expect("слишком большой (50.0 МБ; предел — 1 МБ)")
    assert tickets_of_chat(chat.chat_id) == []


def test_group_requests_when_mentioned_and_replies_go_to_the_group(api, cat, worker):
    group = Chat(api, -random.randint(10**6, 10**9))
    group.send("обед сегодня в 13:00")  # not for the bot: ignored
    title = unique("Не печатает принтер на 3 этаже")
    group.send(f"@{api.username} {title}")
    created = group.expect("зарегистрирована")
    [ticket] = tickets_of_chat(group.chat_id)
    assert ticket.title == title
    with read_session() as s:
        requester_name = s.scalar(select(RequesterIdentity.display).where(
            RequesterIdentity.address == str(group.chat_id)))
    assert requester_name is None  # the group, not the person who wrote, is the requester
    group.send("Уже заработал", reply_to=created)
    group.expect(f"Добавлено к заявке №{ticket.number}")
    assert not any("обед" in m["text"] for m in group.messages())


def test_a_stored_update_is_handled_after_a_crash_and_a_failed_one_is_retried(api, cat, worker):
    """Stored before a crash (not yet handled) → handled after restart; a getFile 500 → failed, retried."""
    from ingest.telegram.inbox import store_updates

    worker.stop()
    chat = new_chat(api)
    title = unique("Сохранено до сбоя")
    store_updates(api.bot_id, [{"update_id": 777_001, **text_message(title, chat_id=chat.chat_id, message_id=50)}])
    api.fail_next("getUpdates", 409, "Conflict: terminated by other getUpdates request")
    restarted = WorkerThread(api).start()
    try:
        chat.expect("зарегистрирована")
        api.fail_next("getFile", 500, "Internal Server Error")
        api.add_file("scan-1", b"%PDF-1.4 scan", "documents/scan-1.pdf")
        update = photo_message("scan-1", 13, chat_id=chat.chat_id, caption=unique("Скан"), message_id=99)
        update_id = api.push(update)
        chat.expect("зарегистрирована")
    finally:
        restarted.stop()
    first, second = tickets_of_chat(chat.chat_id)
    assert first.title == title
    with read_session() as s:
        [attachment] = s.scalars(select(Attachment).where(Attachment.ticket_id == second.id)).all()
        assert attachment.content == b"%PDF-1.4 scan"
        row = s.scalar(select(InboundMessage).where(InboundMessage.source == str(api.bot_id),
                                                    InboundMessage.external_id == str(update_id)))
        assert row.state == "processed" and row.attempts == 2
    assert len(api.sent("getUpdates")) > 1  # the worker survived the 409


def test_multiselect_field_toggles_options_and_needs_one(api, cat, worker):
    from data.db import session_scope
    from data.models import RequestType

    with session_scope() as s:
        rt = RequestType(service_id=cat["service_id"], code="access", name=unique("Доступы"),
                         field_schema=[{"key": "systems", "type": "multiselect", "label": "Системы", "required": True,
                                        "options": ["1С", "CRM", "VPN"]}])
        s.add(rt)
        s.flush()
        type_name, type_id = rt.name, rt.id
    chat = new_chat(api)
    chat.open_form(cat["service_name"], type_name)
    chat.expect("Системы")
    chat.press("Готово")
    chat.expect("обязательно")  # a required multiselect needs at least one option
    chat.expect("Системы")  # ...and the bot shows the list again under the warning
    chat.press("VPN")
    chat.expect("Системы")
    chat.press("1С")
    ticked = chat.expect("Системы")
    labels = [b["text"] for row in ticked["reply_markup"]["inline_keyboard"] for b in row]
    assert "✓ 1С" in labels and "✓ VPN" in labels and "CRM" in labels
    chat.press("Готово")
    chat.expect("Приложите фото")
    chat.press("Готово")
    chat.expect("Проверьте заявку")
    chat.press("Отправить")
    chat.expect("зарегистрирована")
    [ticket] = tickets_of_chat(chat.chat_id)
    assert ticket.request_type_id == type_id and ticket.fields == {"systems": ["1С", "VPN"]}
