"""Bulk loading with PostgreSQL COPY (psycopg 3): text-format encoding, a writer thread that streams
while the next chunk is simulated, and the index / sequence / statistics chores around it."""
from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

log = logging.getLogger(__name__)
NULL = "\\N"
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ints(values) -> list[str]:
    """COPY text for integer ids; -1 is NULL."""
    a = np.asarray(values, dtype=np.int64)
    text = a.astype(str).tolist()
    if (a < 0).any():
        return [NULL if v < 0 else t for v, t in zip(a.tolist(), text)]
    return text


def timestamps(seconds) -> list[str]:
    """'YYYY-MM-DD HH:MM:SS+00' from epoch seconds; -1 is NULL."""
    s = np.asarray(seconds, dtype=np.int64)
    text = np.char.add(np.datetime_as_string(s.astype("datetime64[s]"), unit="s"), "+00").tolist()
    if (s < 0).any():
        return [NULL if v < 0 else t for v, t in zip(s.tolist(), text)]
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

    def __init__(self, cur, depth: int = 4):
        self.cur = cur
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns, data: list[list[str]]) -> int:
        """Queue rows (per-column lists of COPY field strings) for table; returns the row count."""
        if self.error is not None:
            raise RuntimeError("COPY failed") from self.error
        n = len(data[0]) if data else 0
        if n:
            self.queue.put((table, tuple(columns), encode(data), n))
        return n

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue  # drain: the load has failed and will be rolled back
            table, columns, payload, n = item
            try:
                with self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for start in range(0, len(payload), 1 << 20):
                        copy.write(payload[start:start + (1 << 20)])
                self.rows[table] = self.rows.get(table, 0) + n
            except BaseException as exc:  # noqa: BLE001 - re-raised by close() in the loading thread
                self.error = exc

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError(f"COPY failed: {self.error}") from self.error

    def abort(self) -> None:
        """Stop after the COPY in flight (the caller is failing and rolls the transaction back)."""
        if self.error is None:
            self.error = RuntimeError("aborted")
        self.queue.put(None)
        self.thread.join()


class BulkMode:
    """Within the loading transaction: drop the secondary indexes and the foreign keys of the
    bulk-loaded tables, and put them back (same names, same definitions) once the rows are in.

    Building an index once and validating a foreign key with one join is several times faster
    than maintaining them row by row. Primary keys and unique constraints stay in place. If the
    load fails, the transaction rolls back and nothing was ever dropped.
    """

    def __init__(self, cur, tables):
        self.cur, self.tables = cur, list(tables)
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []

    def __enter__(self):
        cur = self.cur
        cur.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
            ORDER BY 1""", (self.tables,))
        # A partitioned table's index reads "ON ONLY" (the parent alone); re-created whole, it builds every partition's.
        self.indexes = [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in cur.fetchall()]
        cur.execute("""
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2""", (self.tables,))
        self.foreign_keys = cur.fetchall()
        for table, name, _ in self.foreign_keys:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in self.indexes:
            cur.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False  # the transaction is rolled back: the drops are undone with it
        cur = self.cur
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for sql in [d for _, d in self.indexes] + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}'
                                                   for t, n, d in self.foreign_keys]:
            started = time.perf_counter()
            cur.execute(sql)
            log.debug("%.1f s: %s", time.perf_counter() - started, sql)
        return False


BULK_TABLES = ("requesters", "requester_identities", "tickets", "ticket_events", "comments", "checklist_items",
               "attachments", "ticket_sla")


def reset_sequences(cur) -> None:
    """After explicit ids, move each id sequence (and the ticket numbers) past the loaded rows."""
    for table in BULK_TABLES:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1), (SELECT count(*) > 0 FROM {table}))")
    cur.execute("SELECT setval('ticket_number_seq', GREATEST((SELECT max(number) FROM tickets), 1001), "
                "(SELECT count(*) > 0 FROM tickets))")


STATISTICS_TABLES = BULK_TABLES + ("users", "teams", "boards", "board_columns", "lanes", "services", "request_types",
                                   "priorities", "sla_policies", "business_calendars")


def vacuum_analyze(engine) -> None:
    """After the load has committed: planner statistics, and the visibility map that index-only scans
    need. VACUUM cannot run inside a transaction block, so this is its own autocommit connection (an
    ANALYZE in the loading transaction's connection, left uncommitted, would simply be rolled back)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in STATISTICS_TABLES:
            started = time.perf_counter()
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
            log.debug("%.1f s: VACUUM (ANALYZE) %s", time.perf_counter() - started, table)
