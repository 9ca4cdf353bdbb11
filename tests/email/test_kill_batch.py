"""Batches and real worker processes against a real dovecot: a kill -9 mid-batch, three workers at once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from data import db
from data.models import InboundMessage, Ticket
from tests.email.helpers import mail

ROOT = Path(__file__).resolve().parents[2]
RUN = [sys.executable, "-m", "ingest", "email", "--once"]


def _fill(dovecot, user: str, raws: list[bytes]) -> None:
    conn = dovecot.client(user)
    try:
        for raw in raws:
            conn.append("INBOX", None, None, raw)
    finally:
        conn.logout()


def _titles(service_id: int) -> list[str]:
    with db.read_session() as s:
        return list(s.scalars(select(Ticket.title).where(Ticket.service_id == service_id)))


def _received(mailbox_id: int) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(InboundMessage)
                        .where(InboundMessage.source == f"mailbox:{mailbox_id}"))


def _restart(env: dict) -> subprocess.CompletedProcess:
    """The next pass; while the killed worker's connection is not yet closed by the server, its mailbox lock
    stays taken and the pass skips the mailbox ("busy"), as the next poll would."""
    for _ in range(20):
        done = subprocess.run(RUN, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if "busy: another worker" not in done.stderr:
            return done
        time.sleep(0.5)
    return done


def test_a_worker_killed_mid_batch_and_restarted_makes_exactly_one_ticket_per_message(dovecot, imap_box):
    user, n = imap_box["address"], 300
    _fill(dovecot, user, [mail(to=user, sender=f"k{i % 40}@example.com", subject=f"Kill {i}",
                               attachments=[("a.pdf", os.urandom(2000), "application/pdf")]) for i in range(n)])
    env = {**os.environ, "OKNO_EMAIL_BATCH": "40"}
    worker = subprocess.Popen(RUN, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _received(imap_box["mailbox_id"]) < 40 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # kill -9 while it works on a later batch
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    at_kill = len(_titles(imap_box["service_id"]))
    assert 40 <= at_kill < n, "killed after the first batch's commit and before the last"
    assert at_kill % 40 == 0, "a batch is all or nothing"
    again = _restart(env)
    titles = _titles(imap_box["service_id"])
    assert sorted(titles) == sorted(f"Kill {i}" for i in range(n)), again.stderr[-2000:]
    assert all("\\Seen" in f for f in dovecot.flags(user))
    assert _received(imap_box["mailbox_id"]) == n


def test_killed_inside_the_batch_transaction_leaves_nothing_and_the_next_pass_takes_it_once(dovecot, imap_box):
    user = imap_box["address"]
    _fill(dovecot, user, [mail(to=user, subject=f"Half {i}") for i in range(5)])
    env = {**os.environ, "OKNO_EMAIL_CRASH_AT": "mid_batch"}
    killed = subprocess.run(RUN, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert killed.returncode == 137
    assert _titles(imap_box["service_id"]) == [] and _received(imap_box["mailbox_id"]) == 0
    assert not any("\\Seen" in f for f in dovecot.flags(user))
    env.pop("OKNO_EMAIL_CRASH_AT")
    subprocess.run(RUN, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert sorted(_titles(imap_box["service_id"])) == [f"Half {i}" for i in range(5)]


def test_three_workers_share_the_mailboxes_and_a_message_sent_to_all_of_them_is_one_ticket(dovecot, imap_boxes):
    boxes = [imap_boxes() for _ in range(3)]
    shared = [mail(to=", ".join(b["address"] for b in boxes), sender=f"all{i}@example.com",
                   subject=f"To all {i}", message_id=f"<all-{i}-{os.getpid()}@example.com>") for i in range(60)]
    for b in boxes:
        _fill(dovecot, b["address"], shared + [mail(to=b["address"], subject=f"Own {b['address']} {i}",
                                                    sender=f"own{i}@example.com")
                                               for i in range(30)])
    env = {**os.environ, "OKNO_EMAIL_BATCH": "25"}
    workers = [subprocess.Popen(RUN, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(3)]
    for w in workers:
        w.wait(timeout=300)
    # A mailbox busy in another worker is skipped by the others: a pass more reads whatever is left.
    subprocess.run(RUN, cwd=ROOT, env=env, capture_output=True, timeout=300)
    titles = [t for b in boxes for t in _titles(b["service_id"])]
    assert sorted(t for t in titles if t.startswith("To all")) == sorted(f"To all {i}" for i in range(60))
    for b in boxes:
        with db.read_session() as s:
            states = s.execute(select(InboundMessage.state, InboundMessage.error, func.count())
                               .where(InboundMessage.source == f"mailbox:{b['mailbox_id']}")
                               .group_by(InboundMessage.state, InboundMessage.error)).all()
        assert sorted(t for t in _titles(b["service_id"]) if t.startswith("Own")) == \
            sorted(f"Own {b['address']} {i}" for i in range(30)), states
        assert all("\\Seen" in f for f in dovecot.flags(b["address"]))
