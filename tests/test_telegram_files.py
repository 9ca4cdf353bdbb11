"""Telegram both ways and honest: files as files, media as attachments, blocked chats, flood control."""
from __future__ import annotations

import random

from sqlalchemy import select

from data.db import read_session, session_scope
from data.models import Attachment, Comment, Outbox, RequesterIdentity, Ticket, User
from data.tickets import actions as tickets
from data.tickets import attachments as files
from tests import factories
from tests.telegram_fake_api import media_message, text_message
from tests.telegram_support import Chat, api, cat, unique, worker  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4 act of work"


def telegram_ticket(cat, chat_id: int, email: str | None = None) -> int:
    with session_scope() as s:
        requester = factories.requester(s, telegram=chat_id, email=email, name="Ирина")
        return tickets.create(s, None, title=unique("Принтер"), board_id=cat["board_id"], requester_id=requester.id,
                              channel="telegram", service_id=cat["general_id"]).id


def reply(cat, ticket_id: int, body: str, attached: list[dict] | None = None) -> int:
    with session_scope() as s:
        return files.reply(s, s.get(User, cat["agent_id"]), ticket_id, body, attached).id


def delivery(comment_id: int) -> tuple[str, str | None]:
    with read_session() as s:
        c = s.get(Comment, comment_id)
        return c.delivery_state, c.delivery_error


SCREENSHOT = {"filename": "screen.png", "content_type": "image/png", "content": PNG}
ACT = {"filename": "акт.pdf", "content_type": "application/pdf", "content": PDF}


def test_agent_files_arrive_as_a_photo_and_a_document_with_the_reply_as_caption(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id = telegram_ticket(cat, chat.chat_id)
    comment_id = reply(cat, ticket_id, "Вот инструкция и акт", [SCREENSHOT, ACT])
    api.wait_for(lambda: delivery(comment_id)[0] == "sent")
    [photo] = api.sent("sendPhoto", chat_id=chat.chat_id)
    [document] = api.sent("sendDocument", chat_id=chat.chat_id)
    assert photo["photo"] == PNG and "Вот инструкция и акт" in photo["caption"]
    assert document["document"] == PDF and document["_filenames"]["document"] == "акт.pdf"
    assert api.sent("sendMessage", chat_id=chat.chat_id) == []  # not a text about files: the files
    # replying to the photo (the message with the text) adds to the same request
    shown = chat.expect("Вот инструкция")
    chat.send("Спасибо, получила", reply_to=shown)
    with read_session() as s:
        number = s.get(Ticket, ticket_id).number
    chat.expect(f"№{number}")
    with read_session() as s:  # the files stay on the card, with the reply they went with
        assert sorted(s.scalars(select(Attachment.filename).where(Attachment.comment_id == comment_id))) == \
            ["screen.png", "акт.pdf"]


def test_429_midway_goes_on_from_the_file_not_yet_sent(api, cat, worker):
    chat_id = random.randint(10**6, 10**9)
    ticket_id = telegram_ticket(cat, chat_id)
    api.fail_next("sendDocument", 429, "Too Many Requests: retry after 1", retry_after=1)
    comment_id = reply(cat, ticket_id, "Два файла", [SCREENSHOT, ACT])
    api.wait_for(lambda: delivery(comment_id)[0] == "sent", timeout=15)
    assert len(api.sent("sendPhoto", chat_id=chat_id)) == 1  # the photo is not sent twice
    times = [t for t, m, p in api.calls if m == "sendDocument" and str(p.get("chat_id")) == str(chat_id)]
    assert len(times) == 2 and times[1] - times[0] >= 1.0
    with read_session() as s:
        row = s.scalar(select(Outbox).where(Outbox.comment_id == comment_id))
        assert row.state == "sent" and row.attempts == 2


def test_requesters_voice_video_and_document_become_attachments(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9))
    title = unique("Шумит сервер")
    api.add_file("voice-1", b"OggS voice", "voice/file_1.oga")
    api.push(media_message("voice", "voice-1", 10, chat_id=chat.chat_id, caption=title, message_id=11,
                           mime_type="audio/ogg"))
    chat.expect("зарегистрирована")
    with read_session() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.title == title))
        ticket_id, number = ticket.id, ticket.number
    confirmation = next(m for m in reversed(chat.messages()) if "зарегистрирована" in (m.get("text") or ""))
    api.add_file("video-1", b"\x00\x00\x00\x18ftypmp42", "videos/file_2.mp4")
    api.push(media_message("video", "video-1", 16, chat_id=chat.chat_id, message_id=12, reply_to=confirmation,
                           file_name="гул.mp4", mime_type="video/mp4"))
    chat.expect(f"№{number}")
    api.add_file("doc-1", PDF, "documents/file_3.pdf")
    api.push(media_message("document", "doc-1", len(PDF), chat_id=chat.chat_id, message_id=13, reply_to=confirmation,
                           file_name="лог.pdf", mime_type="application/pdf"))
    chat.expect(f"№{number}")
    with read_session() as s:
        stored = {a.filename: (a.content_type, a.content) for a in
                  s.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id))}
    assert stored == {"voice_11.ogg": ("audio/ogg", b"OggS voice"),
                      "гул.mp4": ("video/mp4", b"\x00\x00\x00\x18ftypmp42"),
                      "лог.pdf": ("application/pdf", PDF)}


def test_a_video_over_the_limit_is_refused_with_a_clear_answer(api, cat, worker):
    chat = Chat(api, random.randint(10**6, 10**9))
    api.push(media_message("video", "big-video", 60 * 2**20, chat_id=chat.chat_id, caption=unique("Видео"),
                           file_name="запись.mp4"))
    assert "запись.mp4" in chat.expect("слишком большой")["text"]
    assert not api.sent("getFile")  # not even downloaded


def test_blocked_bot_marks_the_chat_unreachable_and_the_reply_goes_by_email(api, cat, worker, app):
    chat_id = random.randint(10**6, 10**9)
    email = f"{unique('irina').replace(' ', '.')}@example.com"
    ticket_id = telegram_ticket(cat, chat_id, email=email)
    api.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    comment_id = reply(cat, ticket_id, "Ответ с картинкой", [SCREENSHOT])
    with read_session() as s:
        api.wait_for(lambda: s.scalar(select(Outbox.id).where(Outbox.comment_id == comment_id,
                                                              Outbox.channel == "email")) is not None)
    with read_session() as s:
        rows = {r.channel: r for r in s.scalars(select(Outbox).where(Outbox.comment_id == comment_id))}
        assert rows["telegram"].state == "failed" and "blocked by the user" in rows["telegram"].last_error
        assert rows["email"].recipient == email and rows["email"].state == "queued"
        assert rows["email"].payload["attachments"][0]["filename"] == "screen.png"  # the file goes too
        ident = s.scalar(select(RequesterIdentity).where(RequesterIdentity.channel == "telegram",
                                                         RequesterIdentity.address == str(chat_id)))
        assert ident.unreachable_at is not None and "blocked" in ident.unreachable_reason
        number = s.get(Ticket, ticket_id).number
    assert delivery(comment_id) == ("queued", None)  # now on its way by email
    # the card says so
    from components import ticket_detail
    from tests.dash_support import load_user, prop, signed_in
    with signed_in(app, load_user(cat["agent_id"])):
        shown = prop(ticket_detail.body(number), "tk-unreachable-telegram", "children")
    assert "blocked by the user" in shown
    # the next reply goes straight to the email; Telegram is not tried again
    second = reply(cat, ticket_id, "Ещё один ответ")
    with read_session() as s:
        assert [r.channel for r in s.scalars(select(Outbox).where(Outbox.comment_id == second))] == ["email"]
    # writing to the bot again (unblocked) makes the chat reachable
    api.push(text_message(unique("Я снова тут"), chat_id=chat_id))
    api.wait_for(lambda: any("зарегистрирована" in (m.get("text") or "")
                             for m in api.outgoing if m["chat"]["id"] == chat_id))
    with read_session() as s:
        assert s.scalar(select(RequesterIdentity.unreachable_at).where(
            RequesterIdentity.channel == "telegram", RequesterIdentity.address == str(chat_id))) is None


def test_deleted_chat_without_email_fails_the_reply_with_the_reason(api, cat, worker):
    chat_id = random.randint(10**6, 10**9)
    ticket_id = telegram_ticket(cat, chat_id)
    api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    comment_id = reply(cat, ticket_id, "Ответ в удалённый чат")
    api.wait_for(lambda: delivery(comment_id)[0] == "failed")
    assert "chat not found" in delivery(comment_id)[1].lower()
    with read_session() as s:
        assert s.scalar(select(RequesterIdentity.unreachable_reason).where(
            RequesterIdentity.address == str(chat_id))) == "400 Chat not found"


def test_the_card_sends_a_reply_with_files_to_the_chat(api, cat, worker, app):
    import base64

    from pages import ticket as page
    from tests.dash_support import load_user, signed_in
    chat_id = random.randint(10**6, 10**9)
    ticket_id = telegram_ticket(cat, chat_id)
    with read_session() as s:
        number = s.get(Ticket, ticket_id).number
    contents = ["data:image/png;base64," + base64.b64encode(PNG).decode(),
                "data:application/pdf;base64," + base64.b64encode(PDF).decode()]
    with signed_in(app, load_user(cat["agent_id"])):
        done = page.send_reply(1, number, "Схема и акт во вложении", contents, ["схема.png", "акт.pdf"])[0]
    assert done["color"] == "success"
    api.wait_for(lambda: api.sent("sendDocument", chat_id=chat_id))
    [photo] = api.sent("sendPhoto", chat_id=chat_id)
    assert photo["photo"] == PNG and photo["caption"].endswith("Схема и акт во вложении")
    assert api.sent("sendDocument", chat_id=chat_id)[0]["_filenames"]["document"] == "акт.pdf"


def test_an_english_chat_gets_the_form_in_english(api, cat, worker):
    with session_scope() as s:  # the admin wrote English labels beside the Russian ones
        from data.models import RequestType
        rt = s.get(RequestType, cat["type_id"])
        schema = [dict(f) for f in rt.field_schema]
        schema[0]["label_en"] = "Do you need remote help?"
        rt.field_schema = schema
    chat = Chat(api, random.randint(10**6, 10**9), language_code="en")
    chat.send("/new")
    chat.press(cat["service_name"])
    chat.press(cat["type_name"])
    prompt = chat.expect("Do you need remote help?")
    labels = [b["text"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert "Cancel" in " ".join(labels) and not any("Отмен" in label for label in labels)


def test_a_file_telegram_will_not_hand_out_is_refused_with_a_clear_answer(api, cat, worker, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_ATTACHMENT_MB", "50")  # ours allows it; the cloud Bot API stops at 20 MB
    chat = Chat(api, random.randint(10**6, 10**9))
    title = unique("Большой лог")
    api.fail_next("getFile", 400, "Bad Request: file is too big")
    api.push(media_message("document", "log-30mb", 30 * 2**20, chat_id=chat.chat_id, caption=title,
                           file_name="server.log.zip"))
    assert "server.log.zip" in chat.expect("20 МБ")["text"]
    with read_session() as s:
        assert s.scalar(select(Ticket.id).where(Ticket.title == title)) is None
