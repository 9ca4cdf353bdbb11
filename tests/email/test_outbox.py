"""Outbox delivery to a real SMTP peer: retries with backoff, permanent failures, state on the comment."""
from __future__ import annotations

from datetime import timedelta

import pytest

from sqlalchemy import update

from data import db
from data.tickets import actions as tickets
from data.models import Comment, Outbox
from ingest.common import now
from ingest.email.out import backoff, deliver_due
from tests import factories
from tests.email.peers import free_port

pytestmark = pytest.mark.usefixtures("database_url")


@pytest.fixture(autouse=True)
def only_this_tests_mail():
    """deliver_due sends every due email row; rows other test files left queued in this database (a PIN
    mail, say) are parked for a day, so the counts below are this test's own."""
    with db.session_scope() as s:
        s.execute(update(Outbox).where(Outbox.channel == "email", Outbox.state == "queued")
                  .values(next_attempt_at=now() + timedelta(days=1)))


def _reply(body="Ответ"):
    with db.session_scope() as s:
        # Mail that other test files left queued in this database is not this test's to count.
        s.execute(update(Outbox).where(Outbox.channel == "email", Outbox.state == "queued")
                  .values(next_attempt_at=now() + timedelta(days=1)))
        board = factories.board(s)
        requester = factories.requester(s, email=f"req{free_port()}@example.com")
        agent = factories.user(s, role="agent")
        ticket = tickets.create(s, agent, title="Тест", board_id=board.id, requester_id=requester.id, channel="email")
        comment = tickets.comment(s, agent, ticket.id, body, public=True)
        return comment.id, ticket.number


def _state(comment_id):
    with db.read_session() as s:
        c = s.get(Comment, comment_id)
        o = s.query(Outbox).filter(Outbox.comment_id == comment_id).one()
        return c.delivery_state, c.delivery_error, o.state, o.attempts, o.next_attempt_at, o.external_id


def test_temporary_refusal_retries_with_backoff_then_sends_with_the_same_message_id(smtp):
    sink = smtp
    sink.refuse = "451 4.3.0 try again later"
    comment_id, number = _reply()
    assert deliver_due()["retry"] == 1
    state, _err, row_state, attempts, next_at, message_id = _state(comment_id)
    assert (state, row_state, attempts) == ("queued", "queued", 1)
    assert next_at > now() + timedelta(seconds=50)
    with db.session_scope() as s:  # time passes
        s.execute(update(Outbox).where(Outbox.comment_id == comment_id).values(next_attempt_at=now()))
    sink.refuse = None
    assert deliver_due()["sent"] == 1
    state, _err, row_state, attempts, _next, message_id2 = _state(comment_id)
    assert (state, row_state, attempts) == ("sent", "sent", 2) and message_id2 == message_id
    assert f"[#{number}]".encode() in sink.messages[0][2]


def test_permanent_refusal_fails_at_once_and_the_comment_says_why(smtp):
    smtp.refuse = "550 5.1.1 no such user"
    comment_id, _number = _reply()
    assert deliver_due()["failed"] == 1
    state, error, row_state, attempts, _n, _m = _state(comment_id)
    assert (state, row_state, attempts) == ("failed", "failed", 1) and "550" in error


def test_unreachable_server_is_retried_and_backoff_grows(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens there
    comment_id, _number = _reply()
    assert deliver_due()["retry"] == 1
    assert _state(comment_id)[0] == "queued"
    assert backoff(1) < backoff(2) < backoff(5) <= backoff(30) == timedelta(hours=6)
