"""An email becomes a ticket, a reply a comment on the same ticket, a redelivery nothing."""
from __future__ import annotations

import pytest

from sqlalchemy import func, select

from data.models import Attachment, Comment, InboundMessage, Outbox, Ticket
from ingest import common
from ingest.email.inbound import source_of
from ingest.email.out import build
from ingest.email.receive import identify, receive
from tests.email.helpers import mail, service_with_mailbox


def _ingest(session, box, raw):
    return receive(session, source_of(box), raw)


def test_new_mail_makes_a_ticket_with_requester_and_attachment(session):
    service, box = service_with_mailbox(session)
    raw = mail(subject="SUBJECT", attachments=[("скан.pdf", b"%PDF-1.4 test", "application/pdf")])
    # an encoded word that decodes with a newline and a NUL inside (seen from real mail clients)
    raw = raw.replace(b"SUBJECT", b"=?utf-8?q?=D0=9F=D1=80=D0=B8=D0=BD=D1=82=D0=B5=D1=80=0A=00?= ne pechataet")
    outcome = _ingest(session, box, raw)
    assert outcome.state == "processed" and outcome.created
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.service_id == service.id and ticket.channel == "email"
    assert ticket.title == "Принтер ne pechataet"
    assert ticket.description.startswith("Принтер не печатает")
    files = session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)).all()
    assert [f.filename for f in files] == ["скан.pdf"]
    row = session.get(InboundMessage, outcome.inbound_id)
    assert row.state == "processed" and row.ticket_id == ticket.id


def test_same_message_twice_makes_one_ticket(session):
    _service, box = service_with_mailbox(session)
    raw = mail()
    first, second = _ingest(session, box, raw), _ingest(session, box, raw)
    assert first.state == "processed" and second.state == "duplicate"
    assert session.scalar(select(func.count()).select_from(Ticket).where(Ticket.id == first.ticket_id)) == 1


def test_missing_message_id_dedups_on_content_hash(session):
    _service, box = service_with_mailbox(session)
    raw = mail(message_id=None)
    assert identify(raw)[0].startswith("mail:")
    assert _ingest(session, box, raw).state == "processed"
    assert _ingest(session, box, raw).state == "duplicate"


def test_reply_by_in_reply_to_and_by_token_become_comments(session):
    _service, box = service_with_mailbox(session)
    first = mail(message_id="<orig-1@example.com>")
    ticket = session.get(Ticket, _ingest(session, box, first).ticket_id)
    reply = mail(subject="Re: что-то другое", in_reply_to="<orig-1@example.com>", body="Спасибо!\n\n> старое")
    outcome = _ingest(session, box, reply)
    assert outcome.state == "processed" and not outcome.created and outcome.ticket_id == ticket.id
    comment = session.get(Comment, outcome.comment_id)
    assert comment.body == "Спасибо!" and not comment.from_unknown_sender and comment.channel == "email"
    by_token = _ingest(session, box, mail(subject=f"Re: [#{ticket.number}] Не работает принтер", body="Ещё"))
    assert by_token.ticket_id == ticket.id and by_token.comment_id


def test_same_subject_without_token_or_ids_is_a_new_ticket(session):
    _service, box = service_with_mailbox(session)
    a = _ingest(session, box, mail(subject="Принтер", sender="a@example.com"))
    b = _ingest(session, box, mail(subject="Re: Принтер", sender="b@example.com"))
    assert a.ticket_id != b.ticket_id and b.created


def test_reply_from_a_stranger_is_kept_and_marked(session):
    _service, box = service_with_mailbox(session)
    ticket_id = _ingest(session, box, mail(message_id="<own-2@example.com>")).ticket_id
    outcome = _ingest(session, box, mail(sender="stranger@evil.test", in_reply_to="<own-2@example.com>"))
    comment = session.get(Comment, outcome.comment_id)
    assert outcome.ticket_id == ticket_id and comment.from_unknown_sender and not comment.is_public


def test_copied_person_is_a_participant(session):
    _service, box = service_with_mailbox(session)
    raw = mail(message_id="<cc-3@example.com>", to=f"{box.address}, boss@example.com")
    ticket_id = _ingest(session, box, raw).ticket_id
    outcome = _ingest(session, box, mail(sender="boss@example.com", in_reply_to="<cc-3@example.com>"))
    comment = session.get(Comment, outcome.comment_id)
    assert outcome.ticket_id == ticket_id and not comment.from_unknown_sender and comment.is_public


def test_out_of_office_never_makes_a_ticket_or_a_reply(session):
    service, box = service_with_mailbox(session)
    service.auto_reply_template = "Заявка #{number} принята"
    for headers, subject in [({"Auto-Submitted": "auto-replied"}, "Re: hi"),
                             ({"X-Auto-Response-Suppress": "All"}, "Автоматический ответ: Принтер"),
                             ({"Precedence": "bulk"}, "News"), ({"X-Autoreply": "yes"}, "Away")]:
        outcome = _ingest(session, box, mail(headers=headers, subject=subject))
        assert outcome.state == "skipped" and outcome.ticket_id is None, headers
    assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.recipient == "ivan@example.com")) == 0


def test_auto_reply_is_threaded_to_the_original(session):
    service, box = service_with_mailbox(session)
    service.auto_reply_template = "Заявка #{number} принята: {title}"
    outcome = _ingest(session, box, mail(message_id="<ar-4@example.com>", sender="olga@example.com"))
    row = session.scalar(select(Outbox).where(Outbox.ticket_id == outcome.ticket_id))
    number = session.get(Ticket, outcome.ticket_id).number
    assert row.kind == "auto_reply" and row.recipient == "olga@example.com"
    assert row.body.startswith(f"Заявка #{number} принята")
    sent = build(session, row, box)  # what goes out: in the requester's thread, marked automatic
    assert sent["In-Reply-To"] == "<ar-4@example.com>" and f"[#{number}]" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-replied" and sent["From"].addresses[0].addr_spec == box.address


def test_mail_from_a_list_is_skipped_and_once_released_gets_no_auto_reply(session):
    from ingest.email import quarantine
    from tests import factories
    service, box = service_with_mailbox(session)
    service.auto_reply_template = "Заявка #{number} принята"
    skipped = _ingest(session, box, mail(headers={"List-Id": "<staff.example.com>"}, sender="staff@example.com"))
    row = session.get(InboundMessage, skipped.inbound_id)
    assert skipped.state == "skipped" and (row.reason_key, row.reason_args) == ("ingest.reason.bulk", {"sign": "List-Id"})
    # An admin who finds a real request in the ingest log releases it: a ticket, still never auto-answered.
    outcome = quarantine.release(session, factories.user(session, role="admin"), row.id)
    assert outcome.state == "processed" and outcome.created
    assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.ticket_id == outcome.ticket_id)) == 0
    said = session.scalar(select(Comment).where(Comment.ticket_id == outcome.ticket_id, Comment.is_system))
    assert said.body == f"Заявка #{session.get(Ticket, outcome.ticket_id).number} принята"
    assert said.delivery_state == "none"  # written on the ticket, never sent


def test_oversized_attachment_is_refused_with_a_note(session, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_ATTACHMENT_MB", "1")
    _service, box = service_with_mailbox(session)
    raw = mail(sender="big@example.com", attachments=[("big.bin", b"x" * (1024 * 1024 + 1), "application/octet-stream"),
                                                      ("ok.txt", b"ok", "text/plain")])
    outcome = _ingest(session, box, raw)
    names = session.scalars(select(Attachment.filename).where(Attachment.ticket_id == outcome.ticket_id)).all()
    assert names == ["ok.txt"]
    note = session.scalar(select(Outbox).where(Outbox.ticket_id == outcome.ticket_id, Outbox.kind == "notification"))
    assert "big.bin" in note.body


def test_bounce_marks_the_outgoing_reply_failed(session):
    _service, box = service_with_mailbox(session)
    ticket_id = _ingest(session, box, mail(message_id="<b-5@example.com>")).ticket_id
    comment = Comment(ticket_id=ticket_id, body="reply", is_public=True, is_system=True, delivery_state="sent")
    session.add(comment)
    session.flush()
    session.add(Outbox(channel="email", kind="reply", recipient="ivan@example.com", body="reply",
                       ticket_id=ticket_id, comment_id=comment.id, state="sent", external_id="<okno-out-1@okno.test>"))
    bounce = mail(sender="MAILER-DAEMON@mx.example.com", subject="Undelivered Mail Returned to Sender",
                  in_reply_to="<okno-out-1@okno.test>", body="550 no such user")
    outcome = _ingest(session, box, bounce)
    session.refresh(comment)
    assert outcome.state == "skipped" and "bounce" in outcome.reason
    assert comment.delivery_state == "failed" and "bounced" in comment.delivery_error


def test_a_message_that_cannot_be_handled_is_kept_as_failed_and_retried(session):
    _service, box = service_with_mailbox(session)
    box.service_id = None
    outcome = _ingest(session, box, mail())
    assert outcome.state == "failed" and "no service" in outcome.reason
    row = session.get(InboundMessage, outcome.inbound_id)
    assert row.raw and row.state == "failed"
    box.service_id = _service.id
    assert common.retry(session, None, row.id).state == "processed"


def test_mailbox_settings_are_validated_and_the_password_is_sealed(session):
    from data.catalog import mailboxes
    from data.errors import PermissionDenied, ValidationError
    from data.catalog.secrets import reveal
    from tests import factories
    service, _box = service_with_mailbox(session)
    with pytest.raises(ValidationError) as err:
        mailboxes.save(session, None, {"kind": "ews", "address": "nope", "host": "mail.x", "port": "abc"})
    assert set(err.value.fields) >= {"address", "host", "port"}
    box = mailboxes.save(session, factories.user(session, role="admin"),
                         {"kind": "imap", "address": "Desk@Example.com", "host": "imap.example.com",
                          "service_id": str(service.id), "move_to": "Done", "smtp_host": "smtp.example.com:2525"},
                         password="pa55")
    assert box.address == "desk@example.com" and box.after_processing == "move" and box.smtp_port == 2525
    assert box.secret.startswith("fernet:") and "pa55" not in box.secret and reveal(box.secret) == "pa55"
    mailboxes.save(session, None, {"move_to": ""}, mailbox_id=box.id)
    assert box.after_processing == "mark_read" and reveal(box.secret) == "pa55"  # empty password keeps it
    with pytest.raises(PermissionDenied):
        mailboxes.listing(session, factories.user(session, role="agent"))


def test_a_sender_in_a_loop_is_stopped_by_the_rate_limit(session, monkeypatch):
    from ingest.email import inbound as email_ingest
    monkeypatch.setattr(email_ingest, "SENDER_LIMIT_PER_HOUR", 2)
    _service, box = service_with_mailbox(session)
    states = [_ingest(session, box, mail(sender="robot@example.com", subject=f"Alert {n}")).state for n in range(3)]
    assert states == ["processed", "processed", "skipped"]


def test_one_message_to_two_of_our_mailboxes_makes_one_ticket(session):
    _s1, first = service_with_mailbox(session)
    _s2, second = service_with_mailbox(session)
    raw = mail(to=f"{first.address}, {second.address}")
    a, b = _ingest(session, first, raw), _ingest(session, second, raw)
    assert a.created and b.state == "duplicate" and b.ticket_id == a.ticket_id


def test_mail_from_our_own_address_is_never_a_ticket(session):
    _service, box = service_with_mailbox(session)
    outcome = _ingest(session, box, mail(sender=box.address))
    assert outcome.state == "skipped" and "loop" in outcome.reason


def test_retry_of_another_channels_failure_hands_it_back_to_that_worker(session):
    row = InboundMessage(channel="telegram", source="bot", external_id="42", raw=b"{}", state="failed",
                         error="boom", attempts=5)
    session.add(row)
    session.flush()
    assert common.retry(session, None, row.id).state == "received"
    assert (row.state, row.attempts, row.error) == ("received", 0, None)


def test_an_import_of_old_mail_is_not_rate_limited(session, monkeypatch):
    from ingest.email import inbound as email_ingest
    monkeypatch.setattr(email_ingest, "SENDER_LIMIT_PER_HOUR", 1)
    _service, box = service_with_mailbox(session)
    session.info["email_import"] = True
    try:
        states = [_ingest(session, box, mail(sender="archive@example.com", subject=f"Old {n}")).state
                  for n in range(3)]
    finally:
        session.info.pop("email_import")
    assert states == ["processed"] * 3
