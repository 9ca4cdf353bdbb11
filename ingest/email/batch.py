"""Email in batches: parse in a process pool, then one transaction per batch of messages.

Profile of the one-by-one path (docs/benchmarks.md, "Email throughput"): 28 ms of CPU a message, of
which parsing 5 ms, a commit and its session 3 ms, board revision bumps 3.5 ms, Config rebuilt from the
environment 2.4 ms, the SLA policy fingerprint 1.6 ms, the raw insert 3.5 ms. A batch:

- parses every message in worker processes (concurrent.futures), the database process does no parsing,
  and the next batch is parsed while this one is written (identified());
- inserts the raw rows in ONE multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` (in content-hash
  order, so two workers inserting overlapping batches wait for each other instead of deadlocking). The
  unique indexes (content hash per channel, Message-ID per mailbox) decide across concurrent workers: a
  row another worker holds makes this insert wait for its commit, then skip it;
- writes the batch's plain new requests together (ingest/email/new_tickets.py: multi-row INSERTs for
  requesters, tickets, events, files, auto-replies and their outbox rows, one SLA recompute), then its
  plain replies to open tickets (ingest/email/replies.py: threading in one query, multi-row INSERTs for
  comments, events, files and participants, one UPDATE of the tickets, one SLA recompute);
- hands every other new row to the very same handler as live mail (ingest.common.handle: a savepoint per
  message, so one bad message fails alone) — a ticket made in a batch has the same events, SLA and
  outbox rows as one made alone (tests/email/test_batch.py compares them);
- reads Config once, checks the SLA policies once, and bumps each board's revision once, at the end;
- commits once. A worker killed mid-batch leaves nothing of the batch: the messages are read again and
  taken in again, once (tests/email/test_kill_batch.py).

A messages whose raw row was not inserted (a copy, or a Message-ID reused with other content) takes the
one-by-one path of receive_identified(), which tells those apart.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data import batch
from data.config import frozen
from data.intake import requesters
from data.models import Board, BoardColumn, InboundMessage, Requester, RequesterIdentity

from ingest import common
from ingest.email import new_tickets, replies
from ingest.email.inbound import LEGACY, _target
from ingest.email.receive import CHANNEL, identify, receive_identified

BATCH = int(os.environ.get("OKNO_EMAIL_BATCH", "200"))
Identity = tuple[str, str, object]


@contextmanager
def parser_pool(workers: int | None = None) -> Iterator[Executor | None]:
    """Processes that parse (CPU-bound: threads would share one GIL). workers=0: parse in this process."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 0:
        yield None
        return
    # forkserver, not fork: a forked child would inherit this process's database sockets, and after a kill -9
    # of the worker they would stay open in the orphans, holding its advisory (mailbox) lock. The fork server
    # (no sockets) imports the parser once; each process forked from it has it then, instead of importing
    # the app again (~1 s of CPU each, before its first message).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_follow, initargs=(os.getpid(),)) as pool:
        yield pool


def _follow(owner: int) -> None:
    """In each parser process: exit when the worker that owns the pool is gone (a kill -9 leaves no orphans)."""
    def watch():
        while _alive(owner):
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True, name="okno-parser-owner").start()


def _alive(pid: int) -> bool:
    """A killed worker stays a zombie until its parent reaps it: that counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def identify_all(raws: Sequence[bytes], pool: Executor | None) -> list[Identity]:
    return list(_identify_soon(raws, pool))


def _identify_soon(raws: Sequence[bytes], pool: Executor | None) -> Iterable[Identity]:
    """The identities of `raws`; with a pool the work is handed out at once and read when iterated."""
    if pool is None or len(raws) < 4:
        return identify_chunk(raws)
    size = max(1, len(raws) // 16)
    parts = pool.map(identify_chunk, [raws[k:k + size] for k in range(0, len(raws), size)])
    return (identity for part in parts for identity in part)


def identify_chunk(raws: Sequence[bytes]) -> list[Identity]:
    """identify() of each, with Config read once for all of them (~60 environment reads: 7% of a parse)."""
    with frozen():
        return [identify(r) for r in raws]


def identified(batches: Iterable[list], pool: Executor | None, raw_of=lambda item: item
               ) -> Iterator[tuple[list, list[bytes], list[Identity]]]:
    """(batch, its raw messages, their identities) for each batch. The pool parses the next batch while the
    caller writes this one: the database process never waits for the parsers, nor they for it."""
    ahead = None
    for items in batches:
        raws = [raw_of(item) for item in items]
        soon = (items, raws, _identify_soon(raws, pool))
        if ahead is not None:
            yield ahead[0], ahead[1], list(ahead[2])
        ahead = soon
    if ahead is not None:
        yield ahead[0], ahead[1], list(ahead[2])


def _insert_raw(session: Session, source: str, raws: Sequence[bytes], ids: Sequence[Identity]) -> dict[int, InboundMessage]:
    """The raw rows in one statement; {position in the batch: row} of those inserted (not already there)."""
    values = []
    for i in sorted(range(len(raws)), key=lambda i: ids[i][1]):
        external_id = ids[i][0] if len(ids[i][0]) <= 500 else common.content_hash(ids[i][0].encode())
        values.append({"channel": CHANNEL, "source": source, "external_id": external_id, "raw": raws[i],
                       "content_hash": ids[i][1]})
    if not values:
        return {}
    # An executemany (SQLAlchemy's insertmanyvalues: still one multi-row INSERT, in this order) compiles from
    # the cached one-row statement; .values([...]) built and compiled a new 1,200-parameter statement per batch.
    stmt = pg_insert(InboundMessage).on_conflict_do_nothing().returning(InboundMessage)
    rows = session.scalars(stmt, values, execution_options={"populate_existing": True}).all()
    by_key = {r.content_hash: r for r in rows}
    placed: dict[int, InboundMessage] = {}
    for i, (_external_id, key, _mail) in enumerate(ids):
        row = by_key.pop(key, None)  # a key twice in one batch: the first copy is the message
        if row is not None:
            placed[i] = row
    return placed


def receive_batch(session: Session, source: str, raws: Sequence[bytes], ids: Sequence[Identity]) -> list[common.Outcome]:
    """Store and handle a batch in the caller's transaction, in the order given (a reply after its request)."""
    with batch.scope(session):
        batch.keep(session, *_catalog(session, source))
        placed = _insert_raw(session, source, raws, ids)
        session.info[LEGACY] = _legacy(session, [row.external_id for row in placed.values()])
        _senders(session, ids)
        try:
            taken = new_tickets.take(session, source, raws, ids, placed)  # the plain new requests, set-based
            batch.keep(session)
            taken.update(replies.take(session, source, raws, ids, placed, taken))  # then the plain replies
            batch.keep(session)
            outcomes = []
            for i, raw in enumerate(raws):
                if i in taken:
                    outcomes.append(taken[i])
                    continue
                outcomes.append(receive_identified(session, source, raw, ids[i], placed.get(i)))
                batch.keep(session)
        finally:
            session.info.pop(LEGACY, None)
            session.info.pop(requesters.IDENTITIES, None)
    return outcomes


def _senders(session: Session, ids: Sequence[Identity]) -> None:
    """The identities and requesters the batch's senders already are, in one query: each message's lookup of
    its requester then finds them in the session (kept for the batch) instead of reading them again. Only
    those found are remembered: an unknown sender is looked up (and created) as before."""
    addresses = {mail.from_address for _e, _k, mail in ids if mail is not None and mail.from_address}
    if not addresses:
        return
    rows = session.execute(select(RequesterIdentity, Requester).join(
        Requester, RequesterIdentity.requester_id == Requester.id).where(
        RequesterIdentity.channel == "email", RequesterIdentity.address.in_(addresses))).all()
    batch.keep(session, *(obj for row in rows for obj in row))
    session.info[requesters.IDENTITIES] = {("email", ident.address): ident for ident, _r in rows}


def _legacy(session: Session, external_ids: list[str]) -> tuple[set[str], dict[str, int]]:
    """inbound.deliver()'s look for the same Message-ID received before content hashes were kept, for the
    whole batch in one query (a row of this batch has a content hash, so it never finds itself)."""
    found = session.execute(select(InboundMessage.external_id, InboundMessage.ticket_id).where(
        InboundMessage.channel == CHANNEL, InboundMessage.external_id.in_(external_ids),
        InboundMessage.ticket_id.is_not(None), InboundMessage.content_hash.is_(None))).all()
    return set(external_ids), {external_id: ticket_id for external_id, ticket_id in found}


def _catalog(session: Session, source: str) -> list:
    mailbox, service = _target(session, source)
    if service is None or service.board_id is None:
        return [mailbox, service]
    board = session.get(Board, service.board_id)
    return [mailbox, service, board, *session.scalars(select(BoardColumn).where(BoardColumn.board_id == board.id))]


def chunks(items: Iterable, size: int = BATCH) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
