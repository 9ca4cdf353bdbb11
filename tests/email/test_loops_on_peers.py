"""Against real peers (dovecot, aiosmtpd): our reply bounces and the card says so; an out-of-office answer to
our auto-reply stops there; one message in two of our mailboxes is one ticket; spam waits in quarantine."""
from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import func, select

from data import db
from data.models import InboundMessage, Outbox, Service, Ticket
from data.tickets import actions as tickets
from data.tickets.view import conversation
from ingest.email.out import deliver_due
from ingest.email.worker import poll_mailbox
from tests import factories
from tests.email.helpers import mail


def _tickets(service_id):
    with db.read_session() as s:
        return s.execute(select(Ticket.id, Ticket.number).where(Ticket.service_id == service_id)
                         .order_by(Ticket.id)).all()


def _log(mailbox_id):
    with db.read_session() as s:
        return s.execute(select(InboundMessage.state, InboundMessage.reason_key)
                         .where(InboundMessage.source == f"mailbox:{mailbox_id}").order_by(InboundMessage.id)).all()


def _postfix_bounce(to: str, message_id: str, rcpt: str) -> bytes:
    """What Postfix sends back when the requester's server refuses our reply (RFC 3464)."""
    return (f"Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.com (Mail Delivery System)\nTo: {to}\n"
            f"Subject: Undelivered Mail Returned to Sender\nMessage-ID: <20260302.bounce@mx.example.com>\n"
            f"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\n\n"
            f"--R\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.com.\n"
            f"I'm sorry to have to inform you that your message could not be delivered.\n\n"
            f"--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
            f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown\n\n"
            f"--R\nContent-Type: text/rfc822-headers\n\nFrom: {to}\nTo: {rcpt}\nMessage-ID: {message_id}\n"
            f"Subject: Re: [#1] x\n\n--R--\n").replace("\n", "\r\n").encode()


def test_a_bounce_of_our_reply_marks_it_failed_on_the_card(dovecot, imap_box, smtp):
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, sender="gone@example.com", subject="Пропал доступ к почте"))
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"processed": 1}
    [ticket] = _tickets(imap_box["service_id"])
    with db.session_scope() as s:
        reply = tickets.comment(s, factories.user(s, role="agent"), ticket.id, "Пароль сброшен.", public=True)
        comment_id = reply.id
    assert deliver_due()["sent"] == 1
    [(_from, rcpt, raw)] = smtp.messages
    sent_id = message_from_bytes(raw, policy=policy.default)["Message-ID"]
    dovecot.append(user, _postfix_bounce(user, sent_id, rcpt[0]))
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"skipped": 1}
    with db.read_session() as s:
        shown = {c["id"]: c for c in conversation(s, ticket.id)}[comment_id]
        assert shown["delivery"] == "failed" and "User unknown" in shown["error"]
        assert s.scalar(select(Outbox.state).where(Outbox.comment_id == comment_id)) == "failed"
    assert _log(imap_box["mailbox_id"])[-1] == ("skipped", "ingest.reason.bounce_ours")
    assert len(_tickets(imap_box["service_id"])) == 1  # the bounce made no ticket and no comment


def test_an_out_of_office_answer_to_our_auto_reply_ends_the_exchange(dovecot, imap_box, smtp):
    user = imap_box["address"]
    with db.session_scope() as s:
        s.get(Service, imap_box["service_id"]).auto_reply_template = "Заявка #{number} принята"
    dovecot.append(user, mail(to=user, sender="away@example.com", subject="Сломался ноутбук"))
    poll_mailbox(imap_box["mailbox_id"])
    assert deliver_due()["sent"] == 1
    [(_from, _rcpt, raw)] = smtp.messages
    ours = message_from_bytes(raw, policy=policy.default)
    # Mail.ru's vacation responder: no Auto-Submitted, only its subject says what it is.
    dovecot.append(user, mail(to=user, sender="away@example.com", subject=f"Автоответ: {ours['Subject']}",
                              in_reply_to=ours["Message-ID"], body="Я в отпуске до 20 марта."))
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"skipped": 1}
    assert deliver_due()["sent"] == 0  # nothing answers the auto-reply: the loop ends here
    assert _log(imap_box["mailbox_id"])[-1] == ("skipped", "ingest.reason.auto_reply")
    with db.read_session() as s:
        [ticket] = _tickets(imap_box["service_id"])
        assert [c["body"] for c in conversation(s, ticket.id) if c["channel"] == "email"] == []


def test_one_message_in_two_of_our_mailboxes_is_one_ticket(dovecot, imap_boxes):
    first, second = imap_boxes(), imap_boxes()
    raw = mail(to=first["address"], headers={"Cc": second["address"], "Date": "Mon, 02 Mar 2026 09:00:00 +0300"},
               subject="Заявка на пропуск")
    for box in (first, second):  # each server adds its own trace headers
        dovecot.append(box["address"], f"Delivered-To: {box['address']}\r\n".encode() + raw)
    assert poll_mailbox(first["mailbox_id"]).counts == {"processed": 1}
    assert poll_mailbox(second["mailbox_id"]).counts == {"duplicate": 1}
    assert len(_tickets(first["service_id"])) + len(_tickets(second["service_id"])) == 1
    assert "\\Seen" in dovecot.flags(second["address"])[0]  # taken off the second server too


def test_spam_waits_in_quarantine_and_is_taken_off_the_server(dovecot, imap_box):
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, sender="promo@shop.example", subject="Вы выиграли!",
                              headers={"X-Spam-Flag": "YES", "X-Spam-Status": "Yes, score=12.0"}))
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"quarantined": 1}
    assert _log(imap_box["mailbox_id"]) == [("quarantined", "quarantine.reason.spam")]
    assert _tickets(imap_box["service_id"]) == [] and "\\Seen" in dovecot.flags(user)[0]
    with db.read_session() as s:
        assert s.scalar(select(func.octet_length(InboundMessage.raw)).where(
            InboundMessage.source == f"mailbox:{imap_box['mailbox_id']}")) > 100
