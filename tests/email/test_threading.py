"""Replies find their ticket (Message-IDs, the number in the subject in every client's form, the reply
address), reopen it within the window or open a linked follow-up after it, and lose their quoted history."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data.models import BoardColumn, Comment, InboundMessage, Outbox, Ticket
from data.tickets import actions as tickets
from ingest.common import now
from ingest.email.inbound import source_of
from ingest.email.out import build
from ingest.email.receive import receive
from ingest.email.thread import bare_subject
from tests.email.helpers import mail, service_with_mailbox


def _ticket(session, box, **kw):
    return session.get(Ticket, receive(session, source_of(box), mail(**kw)).ticket_id)


@pytest.mark.parametrize("subject", [
    "[#{n}] Принтер", "RE: Re: FW: [#{n}] Принтер", "Ответ: [#{n}] Принтер", "Отв: Отв: [#{n}] Принтер",
    "ПЕРЕСЛ: [#{n}] Принтер", "AW: WG: [#{n}] Принтер", "Re[2]: [# {n}] Принтер", "Fwd: [Заявка #{n}] Принтер",
])
def test_the_ticket_number_in_any_client_form_threads_the_reply(session, subject):
    _service, box = service_with_mailbox(session)
    ticket = _ticket(session, box, subject="Принтер")
    outcome = receive(session, source_of(box), mail(subject=subject.format(n=ticket.number), body="Ещё вопрос"))
    assert outcome.ticket_id == ticket.id and outcome.comment_id


def test_prefixes_and_token_are_stripped_from_a_follow_up_title():
    assert bare_subject("RE: Ответ: FW: [#1234] Не печатает принтер") == "Не печатает принтер"
    assert bare_subject("Отв: ПЕРЕСЛ: AW: WG: Счёт") == "Счёт"


def test_a_reply_to_the_plus_address_finds_its_ticket_and_replies_go_out_with_it(session):
    _service, box = service_with_mailbox(session, plus_addressing=True)
    ticket = _ticket(session, box, subject="Нет доступа", message_id="<plus-1@example.com>")
    reply = tickets.comment(session, None, ticket.id, "Проверьте пароль", public=True, system=True)
    out = session.scalar(select(Outbox).where(Outbox.comment_id == reply.id))
    local, domain = box.address.split("@")
    assert build(session, out, box)["Reply-To"].addresses[0].addr_spec == f"{local}+{ticket.number}@{domain}"
    # The requester's client dropped In-Reply-To and rewrote the subject; the address still says which ticket.
    answer = mail(to=f"{local}+{ticket.number}@{domain}", subject="доступ", body="Заработало")
    outcome = receive(session, source_of(box), answer)
    assert outcome.ticket_id == ticket.id and outcome.comment_id


def _resolve(session, ticket, days_ago: float):
    done = session.scalar(select(BoardColumn.id).where(BoardColumn.board_id == ticket.board_id,
                                                       BoardColumn.kind == "done"))
    tickets.move(session, None, ticket.id, done, at=now() - timedelta(days=days_ago))
    session.refresh(ticket)
    assert ticket.status == "done"


def test_a_reply_within_the_window_reopens_the_ticket(session):
    _service, box = service_with_mailbox(session)
    ticket = _ticket(session, box, message_id="<win-1@example.com>")
    _resolve(session, ticket, days_ago=3)
    outcome = receive(session, source_of(box), mail(in_reply_to="<win-1@example.com>", body="Снова не печатает"))
    session.refresh(ticket)
    assert outcome.ticket_id == ticket.id and ticket.status != "done" and ticket.reopened_count == 1
    assert session.get(InboundMessage, outcome.inbound_id).reason_key == "ingest.reason.reopened"


def test_after_the_window_a_reply_opens_a_new_ticket_linked_to_the_old_one(session, monkeypatch):
    monkeypatch.setenv("OKNO_EMAIL_REOPEN_DAYS", "14")
    _service, box = service_with_mailbox(session)
    old = _ticket(session, box, subject="Принтер", message_id="<late-1@example.com>")
    _resolve(session, old, days_ago=20)
    outcome = receive(session, source_of(box), mail(subject=f"Re: [#{old.number}] Принтер", body="Опять сломался",
                                                    in_reply_to="<late-1@example.com>"))
    session.refresh(old)
    assert outcome.created and outcome.ticket_id != old.id and old.status == "done"
    new = session.get(Ticket, outcome.ticket_id)
    assert new.title == "Принтер" and new.description == "Опять сломался"
    notes = {t: session.scalar(select(Comment.body).where(Comment.ticket_id == t, Comment.is_public.is_(False)))
             for t in (old.id, new.id)}
    assert f"#{old.number}" in notes[new.id] and f"#{new.number}" in notes[old.id]
    row = session.get(InboundMessage, outcome.inbound_id)
    assert (row.reason_key, row.reason_args) == ("ingest.reason.follow_up", {"number": old.number})


def test_a_mailbox_can_have_its_own_window(session):
    _service, box = service_with_mailbox(session, reopen_days=30)
    ticket = _ticket(session, box, message_id="<own-win@example.com>")
    _resolve(session, ticket, days_ago=20)  # beyond the global 14 days, within the mailbox's 30
    outcome = receive(session, source_of(box), mail(in_reply_to="<own-win@example.com>", body="Ещё раз"))
    assert outcome.ticket_id == ticket.id and not outcome.created
    box.reopen_days = 0
    _resolve(session, ticket, days_ago=1)
    assert receive(session, source_of(box), mail(in_reply_to="<own-win@example.com>", body="И ещё")).created


@pytest.mark.parametrize("quote", [
    "-----Исходное сообщение-----\nОт: Служба поддержки [mailto:help@okno.test]\nОтправлено: 10 марта 2026 г. 14:02"
    "\nКому: Иван\nТема: RE: [#1] Принтер\n\nПроверьте картридж",  # Outlook in Russian
    "10.03.2026, 14:02, \"Служба поддержки\" <help@okno.test>:\n> Проверьте картридж",  # Yandex
    "Понедельник, 10 марта 2026, 14:02 +03:00 от Служба поддержки <help@okno.test>:\n> Проверьте картридж",  # Mail.ru
    "пн, 10 мар. 2026 г. в 14:02, Служба поддержки <help@okno.test>:\n> Проверьте картридж",  # Gmail in Russian
    "От: Служба поддержки <help@okno.test>\nОтправлено: понедельник, 10 марта 2026 г. 14:02\nКому: Иван\n"
    "Тема: RE: Принтер\n\nПроверьте картридж",
    "Служба поддержки пишет:\n> Проверьте картридж",
])
def test_russian_quote_headers_and_signature_are_trimmed_from_the_comment(session, quote):
    _service, box = service_with_mailbox(session)
    ticket = _ticket(session, box, message_id="<trim-1@example.com>")
    body = f"Картридж поменяли, работает.\n\nС уважением,\nИван Петров\nведущий бухгалтер\nтел. +7 495 123-45-67\n\n{quote}"
    outcome = receive(session, source_of(box), mail(in_reply_to="<trim-1@example.com>", body=body))
    comment = session.get(Comment, outcome.comment_id)
    assert outcome.ticket_id == ticket.id
    assert comment.body == "Картридж поменяли, работает.\n\nС уважением,\nИван Петров"


def test_the_admin_sets_a_mailbox_window_and_plus_addressing(session):
    from data.catalog import mailboxes
    from data.errors import ValidationError
    service, box = service_with_mailbox(session, host="imap.example.com")
    mailboxes.save(session, None, {"reopen_days": "30", "plus_addressing": True}, mailbox_id=box.id)
    assert (box.reopen_days, box.plus_addressing) == (30, True)
    mailboxes.save(session, None, {"reopen_days": ""}, mailbox_id=box.id)
    assert box.reopen_days is None  # empty: the global OKNO_EMAIL_REOPEN_DAYS
    with pytest.raises(ValidationError) as err:
        mailboxes.save(session, None, {"reopen_days": "-1"}, mailbox_id=box.id)
    assert "reopen_days" in err.value.fields
