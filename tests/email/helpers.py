"""Building test mail and the service/mailbox it lands in."""
from __future__ import annotations

import itertools
import os
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from data.models import Mailbox
from tests import factories

_ROOT = Path(__file__).resolve().parents[2]
# The shared real-world corpus is not copied into the project: OKNO_EMAIL_CORPUS, else ../shared/email-corpus
# next to the project root.
CORPUS = Path(os.environ.get("OKNO_EMAIL_CORPUS") or _ROOT.parent / "shared" / "email-corpus")
# Without the corpus next to the project its tests are skipped; once OKNO_EMAIL_CORPUS names it (as .ci/run
# does), a missing corpus fails them instead.
needs_corpus = pytest.mark.skipif(not CORPUS.exists() and not os.environ.get("OKNO_EMAIL_CORPUS"),
                                  reason="the shared email corpus is not next to the project (../shared/email-corpus)")
_seq = itertools.count(1)


def mail(sender="ivan@example.com", to="help@okno.test", subject="Не работает принтер", body="Принтер не печатает.",
         message_id: str | None = "auto", in_reply_to: str | None = None, references: str | None = None,
         headers: dict | None = None, attachments=(), name="Иван Петров") -> bytes:
    m = EmailMessage()
    m["From"] = f"{name} <{sender}>"
    m["To"] = to
    m["Subject"] = subject
    if message_id == "auto":
        message_id = make_msgid(idstring=f"t{next(_seq)}", domain="example.com")
    if message_id:
        m["Message-ID"] = message_id
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
    if references:
        m["References"] = references
    for key, value in (headers or {}).items():
        m[key] = value
    m.set_content(body)
    for filename, content, ctype in attachments:
        maintype, subtype = ctype.split("/")
        m.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return m.as_bytes()


def service_with_mailbox(session, kind="imap", address=None, **fields):
    board = factories.board(session)
    service = factories.service(session, board)
    box = Mailbox(name=f"Box {next(_seq)}", kind=kind, address=address or f"desk{next(_seq)}@okno.test",
                  service_id=service.id, **fields)
    session.add(box)
    session.flush()
    return service, box
