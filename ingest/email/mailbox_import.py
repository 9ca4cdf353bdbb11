"""One-off import: a server folder of a mailbox, or .eml files / an mbox on disk, through the live path.

In batches (ingest.email.batch): parsed in a process pool, one transaction per batch. A batch that fails
as a whole (not a bad message: those fail alone) is taken in again one message at a time.

Every message goes through ingest.email.receive.receive() exactly like live mail, so the same dedup
applies (importing twice, or importing what the worker already read, creates nothing new).
Nothing is changed on the server: no flags, no moves, no cursor.
"""
from __future__ import annotations

import mailbox as mboxlib
import logging
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Iterator

from data import db
from data.errors import Text, ValidationError
from data.models import Mailbox

from ingest import common
from ingest.email.inbound import source_of
from ingest.email.batch import BATCH, chunks, identified, parser_pool, receive_batch
from ingest.email.receive import receive
from ingest.email.worker import open_source

log = logging.getLogger(__name__)


def files_at(path: Path) -> Iterator[bytes]:
    """The raw messages at a path: one .eml file, an mbox file, or a folder of files (recursively)."""
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            yield child.read_bytes()
        return
    with path.open("rb") as f:
        is_mbox = f.read(5) == b"From "
    if not is_mbox:
        yield path.read_bytes()
        return
    for message in mboxlib.mbox(str(path), create=False):
        yield message.as_bytes()


def _count(counts: Counter, outcome: common.Outcome) -> None:
    if outcome.state == "processed":
        counts["tickets_created" if outcome.created else "comments_added"] += 1
    elif outcome.state == "skipped":
        counts[f"skipped: {outcome.reason}"] += 1
    else:
        counts[outcome.state] += 1


def ingest_all(source: str, messages: Iterator[bytes]) -> dict[str, int]:
    """Each message in a transaction of its own. A database restart or a cut connection is waited out and
    that message taken in again: receive() deduplicates by Message-ID and content hash, so a message whose
    first transaction did commit after all is a duplicate, never a second ticket (db.retry_transaction)."""
    counts: Counter = Counter()
    for raw in messages:
        def take_in(s, raw=raw):
            s.info["email_import"] = True  # see email_ingest.deliver: no per-sender rate limit for history
            return receive(s, source, raw)
        _count(counts, db.retry_transaction(take_in))
    return dict(sorted(counts.items()))


def ingest_batched(source: str, messages: Iterator[bytes], size: int = BATCH,
                   workers: int | None = None) -> dict[str, int]:
    """ingest_all() in batches of `size`: one transaction each, parsing in `workers` processes."""
    counts: Counter = Counter()
    with parser_pool(workers) as pool:
        for _items, raws, ids in identified(chunks(messages, size), pool):

            def take_in(s, raws=raws, ids=ids):
                s.info["email_import"] = True
                return receive_batch(s, source, raws, ids)
            try:
                outcomes = db.retry_transaction(take_in)
            except Exception:  # noqa: BLE001 — e.g. a deadlock with another worker: one by one, as before
                log.warning("batch of %d failed as a whole; taking its messages one by one", len(raws),
                            exc_info=True)
                counts.update(ingest_all(source, iter(raws)))
                continue
            for outcome in outcomes:
                _count(counts, outcome)
    return dict(sorted(counts.items()))


def _mailbox(mailbox_id: int) -> Mailbox:
    with db.read_session() as s:
        mailbox = s.get(Mailbox, mailbox_id)
        if mailbox is None:
            raise ValidationError("errors.mailbox_not_found", {"mailbox": Text("errors.field.invalid")},
                                  id=mailbox_id)
        s.expunge(mailbox)
        return mailbox


def run_import(mailbox_id: int | None = None, service_id: int | None = None, folder: str | None = None,
               since: date | None = None, path: str | None = None) -> dict[str, int]:
    if mailbox_id is None and service_id is None:
        raise ValidationError("errors.cli.import_target", {"mailbox": Text("errors.field.required")})
    mailbox = db.retry_reads(lambda: _mailbox(mailbox_id)) if mailbox_id is not None else None
    source = source_of(mailbox) if mailbox else f"service:{service_id}"
    if path:
        target = Path(path)
        if not target.exists():
            raise ValidationError("errors.cli.no_path", {"path": Text("errors.field.missing")}, path=path)
        return ingest_batched(source, files_at(target))
    if mailbox is None:
        raise ValidationError("errors.cli.folder_needs_mailbox", {"mailbox": Text("errors.field.required")})
    with open_source(mailbox) as remote:
        return ingest_batched(source, (m.raw for m in remote.fetch_folder(folder or mailbox.folder, since)))
