"""The worker against a real dovecot (imaplib) and a real SMTP peer (aiosmtpd): the whole journey."""
from __future__ import annotations

import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data import db
from data.tickets import actions as tickets
from data.models import Comment, InboundMessage, Mailbox, Ticket
from ingest.email import receive
from ingest.email.out import deliver_due
from ingest.email.worker import poll_mailbox
from tests import factories
from tests.email.helpers import mail

ROOT = Path(__file__).resolve().parents[2]


def _tickets(service_id):
    with db.read_session() as s:
        return s.execute(select(Ticket.id, Ticket.number, Ticket.title).where(Ticket.service_id == service_id)
                         .order_by(Ticket.id)).all()


def test_new_mail_becomes_a_ticket_is_marked_read_and_a_refetch_creates_nothing(dovecot, imap_box):
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, subject="=?koi8-r?b?8NLJztTF0g==?= сломался"))
    result = poll_mailbox(imap_box["mailbox_id"])
    assert result.counts == {"processed": 1} and result.error is None
    [ticket] = _tickets(imap_box["service_id"])
    assert ticket.title == "Принтер сломался"
    assert "\\Seen" in dovecot.flags(user)[0]
    with db.read_session() as s:
        box = s.get(Mailbox, imap_box["mailbox_id"])
        assert box.imap_last_uid == 1 and box.imap_uidvalidity and box.last_error is None
    # The message is still in the folder; reading it again (cursor reset) creates nothing.
    with db.session_scope() as s:
        s.get(Mailbox, imap_box["mailbox_id"]).imap_last_uid = 0
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"duplicate": 1}
    assert len(_tickets(imap_box["service_id"])) == 1


def test_agent_reply_reaches_smtp_threaded_and_the_answer_becomes_a_comment(dovecot, imap_box, smtp):
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, sender="anna@example.com", message_id="<first-1@example.com>",
                              subject="Нет доступа к 1С"))
    poll_mailbox(imap_box["mailbox_id"])
    [ticket] = _tickets(imap_box["service_id"])
    with db.session_scope() as s:
        agent = factories.user(s, role="agent")
        reply = tickets.comment(s, agent, ticket.id, "Проверьте пароль, пожалуйста.", public=True)
        comment_id = reply.id
    assert deliver_due() == {"sent": 1, "retry": 0, "failed": 0}
    [(mail_from, rcpt, raw)] = smtp.messages
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpt == ["anna@example.com"] and mail_from == user
    assert f"[#{ticket.number}]" in sent["Subject"] and sent["In-Reply-To"] == "<first-1@example.com>"
    assert "<first-1@example.com>" in sent["References"]
    assert "Проверьте пароль" in sent.get_content()
    with db.read_session() as s:
        comment = s.get(Comment, comment_id)
        assert comment.delivery_state == "sent"
    # The requester answers in the thread (their client quotes ours and keeps our Message-ID).
    answer = mail(to=user, sender="anna@example.com", subject="Re: " + str(sent["Subject"]),
                  in_reply_to=sent["Message-ID"], references=f"<first-1@example.com> {sent['Message-ID']}",
                  body="Спасибо, заработало!\n\nOn Mon, 1 Jan 2026 Okno <x@y> wrote:\n> Проверьте пароль")
    dovecot.append(user, answer)
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"processed": 1}
    assert len(_tickets(imap_box["service_id"])) == 1
    with db.read_session() as s:
        bodies = s.scalars(select(Comment.body).where(Comment.ticket_id == ticket.id, Comment.channel == "email")).all()
    assert bodies == ["Спасибо, заработало!"]


def test_a_message_that_cannot_be_parsed_is_quarantined_and_the_worker_goes_on(dovecot, imap_box, monkeypatch):
    user = imap_box["address"]
    dovecot.append(user, mail(to=user, subject="BREAK ME"))
    dovecot.append(user, mail(to=user, subject="Fine"))
    real = receive.parse

    def parse(raw):
        if b"BREAK ME" in raw:
            raise ValueError("cannot parse this one")
        return real(raw)

    monkeypatch.setattr(receive, "parse", parse)
    result = poll_mailbox(imap_box["mailbox_id"])
    assert result.counts == {"quarantined": 1, "processed": 1}
    with db.read_session() as s:
        held = s.scalar(select(InboundMessage).where(InboundMessage.source == f"mailbox:{imap_box['mailbox_id']}",
                                                     InboundMessage.state == "quarantined"))
        assert held.reason_key == "quarantine.reason.unparsable" and "cannot parse" in held.error
        assert b"BREAK ME" in held.raw
    assert [t.title for t in _tickets(imap_box["service_id"])] == ["Fine"]
    assert all("\\Seen" in f for f in dovecot.flags(user))  # both taken off the server: kept in Okno


@pytest.mark.parametrize("after", ["mark_read", "move"])
def test_killed_after_commit_before_mark_read_loses_nothing_and_duplicates_nothing(dovecot, imap_box, after):
    user = imap_box["address"]
    with db.session_scope() as s:
        box = s.get(Mailbox, imap_box["mailbox_id"])
        box.after_processing, box.move_to = after, "Processed" if after == "move" else None
    dovecot.append(user, mail(to=user, subject="Crash test"))
    env = {**os.environ, "OKNO_EMAIL_CRASH_AT": "after_commit"}
    run = [sys.executable, "-m", "ingest", "email", "--once"]
    killed = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert killed.returncode == 137
    assert len(_tickets(imap_box["service_id"])) == 1
    assert "\\Seen" not in dovecot.flags(user)[0]  # committed, but not yet marked read (or moved)
    env.pop("OKNO_EMAIL_CRASH_AT")
    again = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, timeout=60, text=True)
    with db.read_session() as s:  # (other tests' mailboxes in this database may report errors of their own)
        assert s.get(Mailbox, imap_box["mailbox_id"]).last_error is None, again.stderr
    assert len(_tickets(imap_box["service_id"])) == 1
    if after == "move":
        assert dovecot.count(user) == 0 and dovecot.count(user, "Processed") == 1
    else:
        assert "\\Seen" in dovecot.flags(user)[0]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)
                        .where(InboundMessage.source == f"mailbox:{imap_box['mailbox_id']}")) == 1


def test_move_after_processing(dovecot, imap_box):
    user = imap_box["address"]
    with db.session_scope() as s:
        box = s.get(Mailbox, imap_box["mailbox_id"])
        box.after_processing, box.move_to = "move", "Processed"
    dovecot.append(user, mail(to=user, subject="Move me"))
    assert poll_mailbox(imap_box["mailbox_id"]).counts == {"processed": 1}
    assert dovecot.count(user) == 0 and dovecot.count(user, "Processed") == 1
