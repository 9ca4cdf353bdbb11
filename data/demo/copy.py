"""Bulk loading with PostgreSQL COPY (psycopg 3): text-format encoding, a writer thread that streams
while the next chunk is simulated, and the index / trigger / sequence chores around it."""
from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from data.demo import build, triggers

log = logging.getLogger(__name__)
NULL = "\\N"
# COPY text queued for the COPY thread at most: more than one chunk's (about 200 MB at 50,000 tickets), so
# that PostgreSQL keeps parsing the last chunk's rows while Python simulates the next.
BUDGET = 512 << 20
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# COPY text of -1 (NULL) and of the small ids (users, boards, columns, lanes, policies), by value + 1.
_SMALL = [NULL] + [str(i) for i in range(1 << 16)]
# "HH:MM:SS+00" by second of the day.
_CLOCK = [f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)]


def ints(values) -> list[str]:
    """COPY text for integer ids; -1 is NULL."""
    a = np.asarray(values, dtype=np.int64)
    if not len(a):
        return []
    if a.min() >= -1 and a.max() < len(_SMALL) - 1:
        return list(map(_SMALL.__getitem__, (a + 1).tolist()))
    text = list(map(str, a.tolist()))
    if (a < 0).any():
        return [NULL if v < 0 else t for v, t in zip(a.tolist(), text)]
    return text


def timestamps(seconds) -> list[str]:
    """'YYYY-MM-DD HH:MM:SS+00' from epoch seconds; -1 is NULL. Joined from the day's text (a year has a
    few hundred) and the second's (a table): no instant is formatted on its own."""
    s = np.asarray(seconds, dtype=np.int64)
    missing = s < 0
    if missing.all():
        return [NULL] * len(s)
    days, clock = np.divmod(np.where(missing, s[~missing].min(), s) if missing.any() else s, 86400)
    first = int(days.min())
    dates = np.datetime_as_string(np.arange(first, int(days.max()) + 1).astype("datetime64[D]")).tolist()
    text = [dates[d] + " " + _CLOCK[c] for d, c in zip((days - first).tolist(), clock.tolist())]
    if missing.any():
        return [NULL if m else t for m, t in zip(missing.tolist(), text)]
    return text


def instants(seconds) -> list[str]:
    """Timestamps to the microsecond from epoch seconds as floats (None or NaN is NULL), as to_timestamp() stores them."""
    s = seconds.astype(np.float64) if isinstance(seconds, np.ndarray) else \
        np.asarray([np.nan if v is None else v for v in seconds], dtype=np.float64)
    missing = np.isnan(s)
    micro = np.rint(np.where(missing, 0, s) * 1e6).astype(np.int64).astype("datetime64[us]")
    text = np.char.add(np.datetime_as_string(micro, unit="us"), "+00").tolist()
    return [NULL if m else t for m, t in zip(missing.tolist(), text)] if missing.any() else text


def optional_bools(values) -> list[str]:
    """None (or, from an integer array, -1) is NULL."""
    if isinstance(values, np.ndarray):
        values = [None if v < 0 else v for v in values.tolist()]
    return [NULL if v is None else ("t" if v else "f") for v in values]


def texts(values) -> list[str]:
    """COPY text for strings (escaped); None is NULL."""
    return [NULL if v is None else (v.translate(_SPECIAL) if ("\\" in v or "\t" in v or "\n" in v or "\r" in v)
                                    else v) for v in values]


def bools(values) -> list[str]:
    return ["t" if v else "f" for v in np.asarray(values, dtype=bool).tolist()]


def encode(columns: list[list[str]]) -> bytes:
    """Rows of COPY text format from per-column lists of already-encoded field strings."""
    if not columns or not columns[0]:
        return b""
    return ("\n".join(map("\t".join, zip(*columns))) + "\n").encode()


class CopyWriter:
    """Runs COPY statements on a thread, so that PostgreSQL parses one chunk while Python builds
    the next. The psycopg connection belongs to this thread until close()."""

    def __init__(self, cur, budget: int = BUDGET):
        self.cur = cur
        self.queue: queue.Queue = queue.Queue()
        self.budget = budget  # bytes of COPY text queued at most (one item larger than that still goes)
        self.queued = 0
        self.room = threading.Condition()
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # per table, time inside COPY (where PostgreSQL's time goes)
        self.waited = 0.0  # time the simulating thread waited for room: PostgreSQL was the slower side
        self.idle = 0.0  # time the COPY thread waited for rows: Python was the slower side
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns, data: list[list[str]]) -> int:
        """Queue rows (per-column lists of COPY field strings) for table; returns the row count."""
        if self.error is not None:
            raise RuntimeError("COPY failed") from self.error
        n = len(data[0]) if data else 0
        if n:
            payload = encode(data)
            started = time.perf_counter()
            with self.room:
                while self.queued and self.queued + len(payload) > self.budget and self.error is None:
                    self.room.wait()
                self.queued += len(payload)
            self.waited += time.perf_counter() - started
            self.queue.put((table, tuple(columns), payload, n))
        return n

    def _run(self) -> None:
        while True:
            started = time.perf_counter()
            item = self.queue.get()
            self.idle += time.perf_counter() - started
            if item is None:
                return
            table, columns, payload, n = item
            if self.error is None:  # else drain: the load has failed and will be rolled back
                try:
                    started = time.perf_counter()
                    with self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for start in range(0, len(payload), 1 << 20):
                            copy.write(payload[start:start + (1 << 20)])
                    self.rows[table] = self.rows.get(table, 0) + n
                    self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started
                except BaseException as exc:  # noqa: BLE001 - re-raised by close() in the loading thread
                    self.error = exc
            with self.room:
                self.queued -= len(payload)
                self.room.notify_all()

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"COPY failed: {self.error}") from self.error
        log.info("demo: COPY seconds by table %s; the simulation waited %.1f s for COPY, COPY %.1f s for rows",
                 {t: round(s, 1) for t, s in self.seconds.items()}, self.waited, self.idle)

    def abort(self) -> None:
        """Stop after the COPY in flight (the caller is failing and rolls the transaction back)."""
        if self.error is None:
            self.error = RuntimeError("aborted")
        self.queue.put(None)
        self.thread.join()


class BulkMode:
    """Within the loading transaction: drop the secondary indexes, the foreign keys and the known
    insert triggers of the bulk-loaded tables; once the rows are in, put the triggers back (their
    effect produced once for all rows: triggers.py), the foreign keys back NOT VALID, and journal
    the index builds and key checks, which build.finish() runs on two connections after the commit.
    Everything comes back under the same name with the same definition.

    Building an index once and checking a foreign key with one join is several times faster
    than maintaining them row by row. Primary keys and unique constraints stay in place. If the
    load fails before it commits, the transaction rolls back and nothing was ever dropped.
    """

    def __init__(self, cur, tables):
        self.cur, self.tables = cur, list(tables)
        self.indexes: list[tuple[str, str, str]] = []  # (table, index, definition)
        self.foreign_keys: list[tuple[str, str, str, str, bool]] = []  # (table, name, definition, referenced, partitioned)
        self.triggers: list[triggers.Dropped] = []
        self.inserts: list[build.Job] = []  # tables filled after the commit, by one INSERT … SELECT each

    def insert_after_commit(self, statement: str, table: str, reads: str) -> None:
        """Fill `table` (one of ours) by `statement` after the commit, on one of the two connections, before
        its indexes and keys (checked once over its rows, not row by row as it is written)."""
        self.inserts.append(build.insert_job(statement, table, reads))

    def __enter__(self):
        cur = self.cur
        cur.execute("""
            SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
            ORDER BY 2""", (self.tables,))
        # A partitioned table's index reads "ON ONLY" (the parent alone); re-created whole, it builds every partition's.
        self.indexes = [(table, name, sql.replace(" ON ONLY ", " ON ")) for table, name, sql in cur.fetchall()]
        self.indexes = [index for index in self.indexes if _same_when_recreated(cur, *index)]
        cur.execute("""
            SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid), k.confrelid::regclass::text,
                   c.relkind = 'p'
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE k.contype = 'f' AND k.conrelid = ANY(%s::regclass[]) ORDER BY 1, 2""", (self.tables,))
        self.foreign_keys = cur.fetchall()
        for table, name, *_ in self.foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _, name, _ in self.indexes:
            cur.execute(f"DROP INDEX {name}")
        self.triggers = triggers.drop_insert_triggers(cur, self.tables)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False  # the transaction is rolled back: the drops are undone with it
        cur = self.cur
        triggers.restore(cur, self.triggers)
        jobs = self.inserts + [build.index_job(sql, table) for table, _, sql in self.indexes]
        filled_later = {job.table for job in self.inserts}
        for table, name, definition, referenced, partitioned in self.foreign_keys:
            statement = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            if partitioned or table in filled_later:
                # Added (and checked) after the commit: PostgreSQL 15 refuses NOT VALID on a partitioned
                # table, and a key in place would be checked row by row as the table is filled.
                jobs.append(build.add_foreign_key_job(statement, table, referenced))
            else:  # in place now, checked for new rows; the loaded rows are checked after the commit
                cur.execute(statement + " NOT VALID")
                jobs.append(build.validate_job(table, name, referenced))
        build.record(cur, jobs)
        return False


def _same_when_recreated(cur, table: str, name: str, definition: str) -> bool:
    """Whether an index made again from its definition's text is stored the same way. Not always:
    `kind IN ('blocked', 'unblocked')` on a varchar column was stored as ARRAY[…]::text[], and its
    text read back becomes ARRAY[…::text, …::text] — the same rows, but no longer the migrated schema.
    Tried on an empty copy of the table; an index that changes stays in place during the load."""
    clone = "okno_demo_index_probe"
    cur.execute(f"CREATE TEMPORARY TABLE {clone} (LIKE {table})")
    try:
        target = f" ON {table} " if f" ON {table} " in definition else f" ON public.{table} "
        probe = definition.replace(f" {name} ON ", f" {clone}_ix ON ", 1).replace(target, f" ON pg_temp.{clone} ", 1)
        cur.execute(probe)
        cur.execute(f"SELECT pg_get_indexdef('pg_temp.{clone}_ix'::regclass)")
        made = cur.fetchone()[0]
    finally:
        cur.execute(f"DROP TABLE {clone}")
    return made.replace(f"{clone}_ix", name).replace(f" ON pg_temp.{clone} ", target).replace(
        f" ON {_temp_schema(cur)}.{clone} ", target) == definition


def _temp_schema(cur) -> str:
    cur.execute("SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()")
    return cur.fetchone()[0]


BULK_TABLES = ("requesters", "requester_identities", "tickets", "ticket_events", "comments", "checklist_items",
               "attachments", "ticket_sla")  # COPYed
# Loaded with their indexes and foreign keys put off: the COPYed tables, and the ratings, which one
# INSERT … SELECT writes for every resolved ticket (about 77 s at 1M tickets while each row updated
# seven indexes and checked three foreign keys).
BULK_MODE_TABLES = BULK_TABLES + ("ratings",)


def reset_sequences(cur) -> None:
    """After explicit ids, move each id sequence (and the ticket numbers) past the loaded rows."""
    for table in BULK_TABLES:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1), EXISTS (SELECT FROM {table}))")
    cur.execute("SELECT setval('ticket_number_seq', GREATEST((SELECT max(number) FROM tickets), 1001), "
                "EXISTS (SELECT FROM tickets))")
