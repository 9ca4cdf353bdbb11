"""A delivery worker killed (kill -9 at the worst moment: the server has the message, the worker has
not committed that it was sent) resends after restart with the SAME Message-ID, so the requester's
mail client shows one message. Real SMTP peer (aiosmtpd on loopback), real worker process: the peer
itself kills the worker the moment it has stored the message, before it answers 250."""
from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from data import db
from data.models import Outbox
from data.tickets import actions as tickets
from ingest.common import now
from tests import factories
from tests.email.peers import SmtpSink

pytestmark = pytest.mark.usefixtures("database_url")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class KillingSink(SmtpSink):
    """Stores the message, then kills the worker process `victim` (if set) before answering."""

    victim: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.victim.wait()
            self.victim = None
        return answer


@pytest.fixture
def smtp(monkeypatch):
    with db.session_scope() as s:  # mail other tests left queued is not this test's to count
        s.execute(delete(Outbox).where(Outbox.channel == "email", Outbox.state == "queued"))
    sink = KillingSink().start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(sink.port))
    yield sink
    sink.stop()


def _worker(sink: KillingSink, kill: bool = False) -> int:
    """One pass of the email outbox worker in its own process; returns its exit code (-9: killed)."""
    proc = subprocess.Popen([sys.executable, "-c", "from ingest.email.out import deliver_due; deliver_due()"],
                            cwd=ROOT, env=dict(os.environ))
    if kill:
        sink.victim = proc
    return proc.wait(timeout=60)


def test_a_worker_killed_between_sending_and_committing_resends_the_same_message_id(smtp):
    with db.session_scope() as s:
        board = factories.board(s)
        requester = factories.requester(s, email="crash.test@example.com")
        agent = factories.user(s, role="agent")
        ticket = tickets.create(s, agent, title="Принтер", board_id=board.id, requester_id=requester.id,
                                channel="email")
        comment_id = tickets.comment(s, agent, ticket.id, "Заменили картридж", public=True).id

    assert _worker(smtp, kill=True) == -signal.SIGKILL  # the server has it; the worker never knew
    assert len(smtp.messages) == 1
    with db.session_scope() as s:  # the lease runs out: the row is due again
        s.execute(update(Outbox).where(Outbox.comment_id == comment_id)
                  .values(next_attempt_at=now() - timedelta(seconds=1)))
    assert _worker(smtp) == 0

    ids = [email.message_from_bytes(raw)["Message-ID"] for _from, _to, raw in smtp.messages]
    assert len(ids) == 2 and ids[0] == ids[1]  # twice at most, and then one message to every client
    with db.read_session() as s:
        row = s.query(Outbox).filter(Outbox.comment_id == comment_id).one()
        assert (row.state, row.external_id, row.attempts) == ("sent", ids[0], 2)


def test_a_claimed_row_is_not_sent_again_by_another_worker_while_its_lease_runs(smtp):
    with db.session_scope() as s:
        board = factories.board(s)
        requester = factories.requester(s, email="lease.test@example.com")
        agent = factories.user(s, role="agent")
        ticket = tickets.create(s, agent, title="Почта", board_id=board.id, requester_id=requester.id,
                                channel="email")
        tickets.comment(s, agent, ticket.id, "Готово", public=True)

    assert _worker(smtp, kill=True) == -signal.SIGKILL
    assert _worker(smtp) == 0  # a second worker right after: the row is still leased to the dead one
    assert len(smtp.messages) == 1
