"""Auto-replies, bulk mail, delivery reports and challenge-response robots, as the big providers send them.

Each message is built here the way its sender writes it (headers, subject, report structure); the
parser's verdict is what the ingest log shows: no ticket, no comment, and the reason.
"""
from __future__ import annotations

import pytest

from ingest.email.parse import parse
from tests.email.helpers import mail

ORIGINAL_ID = "<okno.42.abc123@okno.test>"  # one of our replies, which the reports below are about


@pytest.mark.parametrize("headers,subject", [
    ({"Auto-Submitted": "auto-replied"}, "Re: [#1001] Принтер"),  # Gmail, Yandex: RFC 3834
    ({}, "Автоответ: Принтер"),  # Mail.ru vacation responder: no header at all
    ({}, "Автоматический ответ: Не работает принтер"),  # Outlook in Russian
    ({}, "Automatic reply: printer"),
    ({}, "Out of Office: printer"),
    ({}, "Нет на месте: [#1001] Принтер"),
    ({}, "RE: Auto reply: printer"),
    ({"X-Auto-Response-Suppress": "All", "X-MS-Exchange-Inbox-Rules-Loop": "ivan@corp.ru"}, "Out of office"),
    ({"X-Autoreply": "yes"}, "Re: printer"),  # old Yandex and many hosting panels
    ({"X-Autorespond": "Re: printer"}, "Re: printer"),
    ({"X-Apple-Action": "vacation"}, "Re: printer"),  # iCloud
    ({"X-Mailru-Msgtype": "autoreply"}, "Re: printer"),
])
def test_vendor_auto_replies_are_recognised(headers, subject):
    verdict = parse(mail(headers=headers, subject=subject)).loop
    assert verdict.reason_key == "ingest.reason.auto_reply" and verdict.no_auto_reply, subject


@pytest.mark.parametrize("headers,sign", [
    ({"Precedence": "bulk"}, "Precedence: bulk"), ({"Precedence": "junk"}, "Precedence: junk"),
    ({"Precedence": "list"}, "Precedence: list"), ({"List-Id": "<news.shop.ru>"}, "List-Id"),
    ({"List-Unsubscribe": "<mailto:unsub@shop.ru>"}, "List-Unsubscribe"),
])
def test_bulk_mail_is_recognised(headers, sign):
    verdict = parse(mail(headers=headers, subject="Скидки недели")).loop
    assert (verdict.reason_key, verdict.reason_args) == ("ingest.reason.bulk", {"sign": sign})


@pytest.mark.parametrize("subject", ["Re: out of office hours the printer jams", "Отпуск: как оформить заявление?",
                                     "Автоответчик на телефоне не работает", "Недоставленные посылки на складе",
                                     "В отпуске: кто замещает Ивана?"])
def test_people_writing_about_such_things_are_not_robots(subject):
    assert parse(mail(subject=subject)).loop.skip_reason is None


def _report(sender: str, subject: str, text: str, action: str = "failed", status: str = "5.1.1",
            with_message: bool = True, report_type: str = "delivery-status") -> bytes:
    """A multipart/report as Postfix, Exchange, Gmail, Yandex and Mail.ru send it (RFC 3464), written out
    as it travels: a human-readable part, the status part, the returned message's headers."""
    returned = (f"--B\nContent-Type: text/rfc822-headers\n\nFrom: help@okno.test\nTo: ivan@example.com\n"
                f"Subject: [#1001] Printer\nMessage-ID: {ORIGINAL_ID}\n\n") if with_message else ""
    second = ("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
              f"Final-Recipient: rfc822; ivan@example.com\nAction: {action}\nStatus: {status}\n"
              "Diagnostic-Code: smtp; 550 no such user\n") if report_type == "delivery-status" else \
        ("Content-Type: message/disposition-notification\n\nReporting-UA: mail.example.com\n"
         "Final-Recipient: rfc822; ivan@example.com\nDisposition: manual-action/MDN-sent-manually; displayed\n")
    raw = (f"From: {sender}\nTo: help@okno.test\nSubject: {subject}\nMessage-ID: <report-1@mx.example.net>\n"
           f"MIME-Version: 1.0\nContent-Type: multipart/report; report-type={report_type}; boundary=\"B\"\n\n"
           f"--B\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n\n"
           f"--B\n{second}\n{returned}--B--\n")
    return raw.replace("\n", "\r\n").encode()


@pytest.mark.parametrize("raw", [
    _report("MAILER-DAEMON@mx.example.net (Mail Delivery System)", "Undelivered Mail Returned to Sender",
            "This is the mail system at host mx.example.net."),  # Postfix
    _report("postmaster@corp.example.com", "Undeliverable: [#1001] Принтер",
            "Delivery has failed to these recipients or groups"),  # Exchange / Office 365
    _report("Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification (Failure)",
            "Address not found"),  # Gmail
    _report("mailer-daemon@yandex.ru", "Недоставленное сообщение",
            "Сообщение не было доставлено, потому что адрес не существует."),  # Yandex
    _report("mailer-daemon@corp.mail.ru", "Mail failure.", "Message was not accepted -- invalid mailbox."),  # Mail.ru
], ids=["postfix", "exchange", "gmail", "yandex", "mailru"])
def test_delivery_reports_of_every_common_mta_name_our_message(raw):
    parsed = parse(raw)
    assert parsed.bounce and parsed.loop.reason_key == "ingest.reason.bounce"
    assert ORIGINAL_ID in parsed.reported_message_ids and "550 no such user" in parsed.diagnostic


def test_exim_and_gmail_text_bounces_quote_the_original_headers():
    exim = mail(sender="Mailer-Daemon@mail.example.net", subject="Mail delivery failed: returning message to sender",
                name="Mail Delivery System", headers={"X-Failed-Recipients": "ivan@example.com"},
                body="This message was created automatically by mail delivery software.\n\n"
                     "A message that you sent could not be delivered to one or more of its recipients.\n"
                     "  ivan@example.com\n    Unrouteable address\n\n"
                     "------ This is a copy of the message, including all the headers. ------\n\n"
                     f"From: help@okno.test\nMessage-ID: {ORIGINAL_ID}\nSubject: [#1001] Принтер\n\nОтвет")
    parsed = parse(exim)
    assert parsed.bounce and parsed.reported_message_ids == [ORIGINAL_ID]
    null_sender = mail(sender="postmaster@relay.example", headers={"Return-Path": "<>"},
                       subject="Сообщение не доставлено", body=f"> Message-ID: {ORIGINAL_ID}")
    assert parse(null_sender).bounce


def test_a_delay_notice_or_a_success_report_is_not_a_failure():
    delayed = parse(_report("MAILER-DAEMON@mx.example.net", "Undelivered Mail Returned to Sender", "warning",
                            action="delayed", status="4.4.7"))
    assert not delayed.bounce and delayed.loop.reason_key == "ingest.reason.delay"
    delivered = parse(_report("MAILER-DAEMON@mx.example.net", "Delivery Status Notification (Success)", "ok",
                              action="delivered", status="2.0.0"))
    assert not delivered.bounce and delivered.loop.skip_reason


def test_read_receipts_and_challenge_response_robots_are_skipped():
    receipt = parse(_report("ivan@example.com", "Прочитано: [#1001] Принтер", "Ваше сообщение прочитано",
                            report_type="disposition-notification", with_message=False))
    assert receipt.loop.reason_key == "ingest.reason.read_receipt"
    for headers, subject in [({}, "Please confirm your message"), ({"X-Boxtrapper": "yes"}, "Re: printer"),
                             ({}, "Подтвердите отправку письма адресату ivan@example.com")]:
        verdict = parse(mail(headers=headers, subject=subject)).loop
        assert verdict.reason_key == "ingest.reason.challenge", subject
