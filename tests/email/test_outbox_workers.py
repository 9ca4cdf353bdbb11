"""Three outbox worker processes share the queue: every message reaches the SMTP peer once, in batches over
one connection each."""
from __future__ import annotations

import ast
import email
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from data import db
from data.messaging import outbox
from data.models import Outbox
from tests.email.peers import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("database_url")


class CountingSink(SmtpSink):
    """Counts the connections (one EHLO each) beside the messages."""

    def __init__(self):
        super().__init__()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses


def test_three_workers_send_every_queued_message_exactly_once(monkeypatch):
    with db.session_scope() as s:  # mail other tests left queued is not this test's to count
        s.execute(delete(Outbox).where(Outbox.channel == "email", Outbox.state == "queued"))
        for i in range(240):
            outbox.queue(s, channel="email", kind="notification", recipient=f"r{i}@example.com",
                         body=f"Статус {i}", subject=f"Status {i}")
    sink = CountingSink().start()
    try:
        env = {**os.environ, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "OKNO_OUTBOX_BATCH": "20"}
        code = "from ingest.email.out import deliver_due; print(deliver_due(limit=1000))"
        workers = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outputs = [w.communicate(timeout=240) for w in workers]
        assert all(w.returncode == 0 for w in workers), [e[-1500:] for _o, e in outputs]
    finally:
        sink.stop()
    recipients = Counter(to for _from, tos, _raw in sink.messages for to in tos)
    # On a shortfall, what each worker counted (sent / retry / failed) and its last log lines say why.
    told = [(out.strip().splitlines()[-1:], err[-800:]) for out, err in outputs]
    assert len(recipients) == 240 and set(recipients.values()) == {1}, ("each message once", len(recipients), told)
    ids = {email.message_from_bytes(raw)["Message-ID"] for _f, _t, raw in sink.messages}
    assert len(ids) == 240
    assert sink.connections <= 240 // 20 + 3, "one connection per batch, not per message"
    sent_by = [ast.literal_eval(out.strip().splitlines()[-1])["sent"] for out, _e in outputs]
    assert sum(sent_by) == 240
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.channel == "email", Outbox.state == "sent", Outbox.recipient.like("r%@example.com"),
            Outbox.external_id.in_(ids))) == 240
