"""The email worker: poll every mailbox, turn each message into a ticket or comment, deliver the outbox.

Per batch of messages (ingest/email/batch.py, OKNO_EMAIL_BATCH, 200): fetch the raw MIME, parse it in a
process pool → one transaction stores them (inbound_messages), makes the tickets/comments and advances
the mailbox cursor → commit → only then mark them read / move them at the server. A worker killed
before the commit leaves nothing of the batch; the next pass reads it again. A crash between commit and mark-read loses nothing: the message is fetched again
and recognised by its content hash (ingest/email/receive.py). A failing mailbox is recorded on its row
(last_error) and the worker goes on with the next one.
"""
from __future__ import annotations

import logging
import os
import time
from contextlib import nullcontext
from concurrent.futures import Executor
from dataclasses import dataclass, field

from sqlalchemy import select, text, update

from data import db
from data.models import Mailbox

from ingest.common import now
from ingest.email.batch import BATCH, chunks, identified, parser_pool, receive_batch
from ingest.email.inbound import source_of
from ingest.email.receive import receive

log = logging.getLogger(__name__)
LOCK_BASE = 0x0E3A1_0000  # advisory lock keys: one per mailbox, so two workers never read the same box


@dataclass
class PassResult:
    mailbox_id: int
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def add(self, state: str) -> None:
        self.counts[state] = self.counts.get(state, 0) + 1


def open_source(mailbox: Mailbox):
    if mailbox.kind == "imap":
        from ingest.email.imap import ImapSource
        return ImapSource(mailbox)
    from ingest.email.ews import EwsSource
    return EwsSource(mailbox)


def _crash_point(name: str) -> None:
    """Tests kill the worker here (OKNO_EMAIL_CRASH_AT=after_commit) to prove nothing is lost."""
    if os.environ.get("OKNO_EMAIL_CRASH_AT") == name:
        os._exit(137)


def poll_mailbox(mailbox_id: int, pool: Executor | None = None) -> PassResult:
    """One pass over one mailbox; returns counts per outcome. Errors go to the mailbox row, not up.
    `pool`: a parser pool to share (run_once() passes one for all mailboxes), else one of its own."""
    result = PassResult(mailbox_id)
    engine = db.get_engine()
    with engine.connect() as lock:
        if not lock.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_BASE + mailbox_id}):
            result.error = "busy: another worker is reading this mailbox"
            return result
        try:
            _poll(mailbox_id, result, pool)
        except Exception as err:
            log.warning("mailbox %s: %s", mailbox_id, err, exc_info=True)
            result.error = f"{type(err).__name__}: {err}"[:2000]
        finally:
            with db.session_scope() as s:
                s.execute(update(Mailbox).where(Mailbox.id == mailbox_id)
                          .values(last_run_at=now(), last_error=result.error))
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_BASE + mailbox_id})
            lock.commit()
    return result


def _poll(mailbox_id: int, result: PassResult, shared: Executor | None) -> None:
    with db.read_session() as s:
        mailbox = s.get(Mailbox, mailbox_id)
        s.expunge(mailbox)
    source_name = source_of(mailbox)
    # The pool's processes start at the first message: a mailbox with nothing new costs none.
    with open_source(mailbox) as source, (nullcontext(shared) if shared else parser_pool()) as pool:
        with db.session_scope() as s:
            source.check_cursor(s)
        for fetched, raws, ids in identified(chunks(source.fetch_new(), BATCH), pool, lambda m: m.raw):
            try:
                with db.session_scope() as s:
                    outcomes = receive_batch(s, source_name, raws, ids)
                    source.save_cursor(s, fetched[-1])
                    _crash_point("mid_batch")  # handled, not committed: the whole batch is read again
            except Exception:  # noqa: BLE001 — e.g. a deadlock: the batch one message a transaction, as before
                log.warning("mailbox %s: batch of %d failed as a whole; one by one", mailbox_id, len(raws),
                            exc_info=True)
                outcomes = _one_by_one(source, source_name, fetched)
            _crash_point("after_commit")
            # Only after the commit: a crash here refetches, dedup catches it. IMAP: one command for the batch.
            if hasattr(source, "acknowledge_many"):
                source.acknowledge_many(fetched)
            else:
                for message in fetched:
                    source.acknowledge(message)
            for outcome in outcomes:
                result.add(outcome.state)


def _one_by_one(source, source_name: str, fetched: list) -> list:
    outcomes = []
    for message in fetched:
        with db.session_scope() as s:
            outcomes.append(receive(s, source_name, message.raw))
            source.save_cursor(s, message)
    return outcomes


def run_once() -> list[PassResult]:
    """Every enabled mailbox once, then the outbox."""
    from ingest.email.out import deliver_due
    with db.read_session() as s:
        ids = s.scalars(select(Mailbox.id).where(Mailbox.enabled).order_by(Mailbox.id)).all()
    with parser_pool() as pool:  # one for every mailbox: its processes start (import the app) once a pass
        results = [poll_mailbox(i, pool) for i in ids]
    for r in results:
        log.info("mailbox %s: %s%s", r.mailbox_id, r.counts or "nothing new", f" (error: {r.error})" if r.error else "")
    sent = deliver_due()
    log.info("outbox: %s", sent)
    return results


def run_forever(interval: float = 30.0) -> None:
    while True:
        started = time.monotonic()
        try:
            run_once()
        except Exception:  # the database may be away for a moment; keep polling
            log.exception("email pass failed")
        time.sleep(max(1.0, interval - (time.monotonic() - started)))
