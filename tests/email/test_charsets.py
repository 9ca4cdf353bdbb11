"""Russian mail as it really comes: windows-1251, KOI8-R and CP866, declared right, wrong or not at all,
RFC 2047/2231 attachment names, raw 8-bit headers. Messages are built here from real Russian text."""
from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from data.models import Attachment, Ticket
from ingest.email.charset import decode
from ingest.email.inbound import source_of
from ingest.email.parse import parse
from ingest.email.receive import receive
from tests.email.helpers import service_with_mailbox

LETTER = ("Здравствуйте! С утра не печатает принтер в бухгалтерии на третьем этаже, "
          "горит красная лампочка. Картридж меняли на прошлой неделе. Посмотрите, пожалуйста.")
SUBJECT = "Не печатает принтер в бухгалтерии"


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8", "surrogateescape") + b"\r\n" + body


def _body(charset_label: str | None, data: bytes, extra: str = "") -> bytes:
    ctype = f"Content-Type: text/plain; charset={charset_label}\n" if charset_label else "Content-Type: text/plain\n"
    return _raw(f"From: ivan@example.ru\nSubject: test\nMIME-Version: 1.0\n{ctype}"
                f"Content-Transfer-Encoding: 8bit\n{extra}", data)


@pytest.mark.parametrize("written_in,label", [
    ("cp1251", "windows-1251"), ("koi8-r", "koi8-r"), ("cp866", "cp866"), ("utf-8", "utf-8"),  # declared right
    ("cp1251", "koi8-r"), ("cp1251", "iso-8859-1"), ("koi8-r", "windows-1251"),  # declared wrong
    ("cp1251", "us-ascii"), ("koi8-r", "utf-8"),  # a label the bytes cannot even be
    ("cp1251", None), ("koi8-r", None), ("cp866", None),  # not declared at all
])
def test_body_in_any_russian_charset_reads_as_written(written_in, label):
    assert parse(_body(label, LETTER.encode(written_in))).text == LETTER


def test_short_texts_are_not_taken_for_japanese():
    # Alone, charset detection takes a one-word sample for Shift-JIS; only Russian charsets are candidates.
    assert decode("Принтер".encode("cp1251"), "koi8-r") == "Принтер"
    assert decode("Спасибо".encode("koi8-r")) == "Спасибо"


def test_a_correct_label_is_kept_even_for_unusual_text():
    french = "Le café est fermé à Noël, désolé."
    assert parse(_body("iso-8859-1", french.encode("latin-1"))).text == french
    assert decode("Ёжик в тумане".encode("koi8-r"), "koi8-r") == "Ёжик в тумане"


def test_encoded_word_subjects_and_names_with_a_wrong_charset_and_raw_8bit_headers():
    cp1251_in_koi8_label = base64.b64encode(SUBJECT.encode("cp1251")).decode()
    raw = _raw(f"From: =?windows-1251?B?{base64.b64encode('Иван Петров'.encode('cp1251')).decode()}?= "
               f"<ivan@example.ru>\nSubject: =?koi8-r?B?{cp1251_in_koi8_label}?=\nContent-Type: text/plain; "
               f"charset=utf-8\n", "Текст".encode())
    parsed = parse(raw)
    assert (parsed.from_name, parsed.subject) == ("Иван Петров", SUBJECT)
    # 8-bit bytes right in the headers, as old clients and some gateways send them: KOI8-R and UTF-8
    koi = b"From: \xe9\xd7\xc1\xce <ivan@example.ru>\r\nSubject: " + SUBJECT.encode("koi8-r") + b"\r\n\r\nx"
    assert (parse(koi).from_name, parse(koi).subject) == ("Иван", SUBJECT)
    utf = b"From: ivan@example.ru\r\nSubject: " + SUBJECT.encode() + b"\r\n\r\nx"
    assert parse(utf).subject == SUBJECT


def _with_attachment(disposition: str, content_type: str = "application/pdf") -> bytes:
    return _raw("From: ivan@example.ru\nSubject: scan\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n",
                ("--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nСкан во вложении\r\n"
                 f"--B\r\nContent-Type: {content_type}\r\nContent-Disposition: {disposition}\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--B--\r\n").encode())


@pytest.mark.parametrize("disposition,name", [
    ("attachment; filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%96%2012.pdf", "Счёт № 12.pdf"),  # RFC 2231
    ("attachment; filename*=windows-1251''%D1%F7%E5%F2.pdf", "Счет.pdf"),  # RFC 2231 in 1251
    ("attachment;\r\n filename*0*=utf-8''%D0%94%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80;\r\n filename*1=.docx",
     "Договор.docx"),  # RFC 2231 continuations
    ('attachment; filename="=?utf-8?B?0JDQutGCINGB0LLQtdGA0LrQuC5wZGY=?="', "Акт сверки.pdf"),  # RFC 2047 (Outlook)
    ('attachment; filename="=?koi8-r?B?8NLJy8H6LnBkZg==?="', "ПрикаЗ.pdf"),
])
def test_encoded_attachment_names(disposition, name):
    [attachment] = parse(_with_attachment(disposition)).attachments
    assert attachment.filename == name and attachment.content == b"%PDF-1.4"


def test_a_raw_8bit_attachment_name_in_windows_1251():
    raw = _with_attachment("attachment").replace(
        b"Content-Disposition: attachment", b'Content-Disposition: attachment; filename="' +
        "Счёт-фактура.pdf".encode("cp1251") + b'"')
    assert [a.filename for a in parse(raw).attachments] == ["Счёт-фактура.pdf"]


def test_a_mislabelled_message_becomes_a_readable_ticket(session):
    _service, box = service_with_mailbox(session)
    raw = _raw(f"From: =?koi8-r?B?{base64.b64encode('Ольга'.encode('cp1251')).decode()}?= <olga@example.ru>\n"
               f"Subject: {SUBJECT}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n",
               b"--B\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
               LETTER.encode("cp1251") + b"\r\n--B\r\nContent-Type: application/pdf\r\nContent-Disposition: "
               b"attachment; filename*=windows-1251''%D1%F7%E5%F2.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
               b"JVBERi0xLjQ=\r\n--B--\r\n")
    raw = raw.replace(SUBJECT.encode("utf-8"), SUBJECT.encode("cp1251"))  # a raw 8-bit subject in 1251
    outcome = receive(session, source_of(box), raw)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert (ticket.title, ticket.description) == (SUBJECT, LETTER)
    assert session.scalars(select(Attachment.filename).where(Attachment.ticket_id == ticket.id)).all() == ["Счет.pdf"]
