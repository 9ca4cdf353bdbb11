"""The MIME parser on hand-made edge cases and on real mail from the corpus (no database needed)."""
from __future__ import annotations

import pytest

from ingest.email.parse import parse
from ingest.email.trim import trim_reply
from tests.email.helpers import CORPUS, needs_corpus


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode() + b"\r\n" + body


def test_windows_1251_and_koi8_bodies_and_encoded_word_subject():
    cp = parse(_raw("From: =?windows-1251?b?yOLg7Q==?= <ivan@example.ru>\nSubject: =?KOI8-R?B?8NLJztTF0g==?=\n"
                    "Content-Type: text/plain; charset=windows-1251\n", "Привет, не работает".encode("cp1251")))
    assert (cp.from_name, cp.subject, cp.text) == ("Иван", "Принтер", "Привет, не работает")
    # Mislabelled: says utf-8, is windows-1251 — decoded by the fallbacks, not with replacement marks.
    wrong = parse(_raw("From: a@example.ru\nContent-Type: text/plain; charset=utf-8\n", "Счёт".encode("cp1251")))
    assert wrong.text == "Счёт"


def test_html_only_message_gets_text_and_sanitised_html():
    mail = parse(_raw("From: a@example.ru\nContent-Type: text/html; charset=utf-8\n",
                      b"<p>Hello <b>there</b></p><script>alert(1)</script><img src=x onerror=alert(2)>"))
    assert mail.text == "Hello there"
    assert "<script" not in mail.html and "onerror" not in mail.html and "<b>there</b>" in mail.html


def test_nul_bytes_and_control_characters_never_reach_the_database():
    mail = parse(_raw("From: a@example.ru\nSubject: bad\x00 sub\x07ject\nContent-Type: text/plain\n", b"te\x00xt"))
    assert mail.subject == "bad sub ject" and mail.text == "text"


def test_missing_message_id_and_threading_headers():
    mail = parse(_raw("From: a@example.ru\nIn-Reply-To: <b@x>\nReferences: <a@x>\n <b@x>\n", b"hi"))
    assert mail.message_id is None and mail.thread_ids == ["<b@x>", "<a@x>"]


def test_exchange_automatic_reply_and_rfc3834():
    oof = parse(_raw("From: p@corp.ru\nSubject: Automatic reply: Printer\nX-Auto-Response-Suppress: All\n", b"away"))
    assert oof.auto_submitted and oof.loop.no_auto_reply
    rfc = parse(_raw("From: p@corp.ru\nAuto-Submitted: auto-replied\nSubject: Re: x\n", b"away"))
    assert rfc.loop.skip_reason.startswith("auto-reply")
    human = parse(_raw("From: p@corp.ru\nAuto-Submitted: no\nSubject: Re: x\n", b"me"))
    assert human.loop.skip_reason is None


@pytest.mark.parametrize("text,expected", [
    ("Ok\n\nOn Mon, Jan 1, 2026 at 10:00 AM Bob <b@x.com> wrote:\n> old", "Ok"),
    ("Готово\n\n-----Original Message-----\nFrom: x", "Готово"),
    ("Да\n\nОт: Иван <i@x.ru>\nОтправлено: 1 января\nКому: нам", "Да"),
    ("Смотрите ниже\n\n--\nИван Петров\n+7 900", "Смотрите ниже"),
    ("Ответ\n\nSent from my iPhone", "Ответ"),
    ("> вопрос\nответ на вопрос\n> ещё\nещё ответ", "> вопрос\nответ на вопрос\n> ещё\nещё ответ"),
])
def test_reply_trimming(text, expected):
    assert trim_reply(text) == expected


@needs_corpus
@pytest.mark.parametrize("name", ["android.eml", "aol.eml", "gmail.eml", "hotmail.eml", "iphone.eml", "outlook.eml",
                                  "thunderbird.eml", "yahoo.eml", "apple_mail_2.eml", "sparrow.eml"])
def test_real_replies_trim_to_the_new_text(name):
    assert parse((CORPUS / "talon" / "standard_replies" / name).read_bytes()).card_text == "Hello"


@needs_corpus
def test_real_bounces_and_reports_are_recognised():
    for path in (CORPUS / "flanker" / "bounce").glob("*.eml"):
        mail = parse(path.read_bytes())
        if path.name == "no-mx.eml":  # "Action: delayed": a warning, the message may still arrive
            assert not mail.bounce and mail.loop.reason_key == "ingest.reason.delay"
            continue
        assert mail.bounce or mail.from_address is None, path.name
    assert parse((CORPUS / "flanker" / "disposition-notification.eml").read_bytes()).loop.skip_reason == "read receipt"
    office = parse((CORPUS / "flanker" / "bounce" / "office365.eml").read_bytes())
    assert office.bounce and office.reported_message_ids


@needs_corpus
def test_real_attachments_and_cyrillic():
    yahoo = parse((CORPUS / "flanker" / "russian-attachment-yahoo.eml").read_bytes())
    assert [a.filename for a in yahoo.attachments] and all(a.content for a in yahoo.attachments)
    bilingual = parse((CORPUS / "flanker" / "bilingual-simple.eml").read_bytes())
    assert "по-русски" in bilingual.text
    koi = parse((CORPUS / "cpython" / "msg_12.txt").read_bytes())  # a koi8-r part among others
    assert koi.from_address == "barry@python.org"
