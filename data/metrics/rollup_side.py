"""A second connection for a full build of the rollup (data/metrics/rollup.py): the build's ordered pass over the
events and what reads it (flow efficiency, the SLEs) are computed there while the build's own connection writes
the per-ticket tables, so both of the server's cores work (window functions and scratch tables get no parallel
workers, so each of these runs on one process). What runs there writes few rows; the copy over is cheap.

The second connection reads the build's snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT: the same rows
as every other statement of the build) and only writes temporary tables of its own; `finish` copies their rows
into the rollup's tables on the build's connection, so everything is written by the build's one transaction.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from queue import Queue

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics import rollup_bulk

_SNAPSHOT = re.compile(r"[0-9A-Fa-f-]+")
log = logging.getLogger(__name__)


@dataclass
class Side:
    session: Session
    snapshot: str
    url: str
    jobs: list = field(default_factory=list)  # (scratch table, target table, columns)
    queue: Queue = field(default_factory=Queue)  # statements for the second connection; None: no more
    thread: threading.Thread | None = None
    error: BaseException | None = None
    conn: psycopg.Connection | None = None
    stopped: bool = False

    def execute(self, sql: str, params: dict | None = None) -> None:
        """Run `sql` there after the statements given before: an `INSERT INTO table (columns) SELECT …` computes its
        rows into a scratch table there (copied by `finish`), anything else (a scratch table of its own) runs as it is."""
        found = rollup_bulk.INSERT.fullmatch(sql)
        if found is None:
            self.queue.put(self._literal(sql, params))
            return
        table, columns, query = found[1], found[2], found[3]
        scratch = f"okno_side_{len(self.jobs)}"
        self.jobs.append((scratch, table, columns))
        # Sorted here, while the build's connection is busy: the rollup's unique keys lead with these columns in
        # this order, so the build's index on the copied rows sorts rows already in order (seconds at 1M tickets).
        self.queue.put(f"CREATE TEMPORARY TABLE {scratch} AS SELECT * FROM ({self._literal(query, params)}) AS q({columns})"
                       f" ORDER BY {columns}")

    def _literal(self, sql: str, params: dict | None) -> str:
        """The statement with its parameters written in (the connection there is plain psycopg)."""
        clause = text(sql)
        used = {k: v for k, v in (params or {}).items() if re.search(rf"(?<!:):{k}\b", sql)}
        if used:
            clause = clause.bindparams(**used)
        return str(clause.compile(dialect=self.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))

    def _run(self) -> None:
        try:
            self.conn = psycopg.connect(self.url, autocommit=True)
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            self.conn.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'")
            for name, value in rollup_bulk.SETTINGS.items():
                self.conn.execute(f"SET LOCAL {name} = {value}")
            while (sql := self.queue.get()) is not None and not self.stopped:
                started = time.perf_counter()
                self.conn.execute(sql)
                log.info("rollup side: %.2f s  %s", time.perf_counter() - started, " ".join(sql.split())[:120])
        except BaseException as err:  # noqa: BLE001 — raised again on the build's thread by finish()
            self.error = err

    def finish(self) -> None:
        """Wait for the second connection and copy its rows into the rollup's tables (binary COPY, each column
        cast to the table's own type)."""
        assert self.thread is not None
        self.queue.put(None)
        self.thread.join()
        try:
            if self.error is not None:
                raise self.error
            assert self.conn is not None
            into = self.session.connection().connection.driver_connection
            for scratch, table, columns in self.jobs:
                started = time.perf_counter()
                types = dict(self.session.execute(text("""
                    SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
                    WHERE attrelid = CAST(:t AS regclass) AND attnum > 0"""), {"t": table}).all())
                cast = ", ".join(f"{c}::{types[c]}" for c in (c.strip() for c in columns.split(",")))
                with self.conn.cursor().copy(f"COPY (SELECT {cast} FROM {scratch}) TO STDOUT (FORMAT BINARY)") as out, \
                        into.cursor().copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    for chunk in out:
                        copy.write(chunk)
                log.info("rollup side: %.2f s  copied into %s", time.perf_counter() - started, table)
        finally:
            if self.conn is not None:
                self.conn.close()  # its transaction (temporary tables only) ends with it


    def abandon(self) -> None:
        """Stop the second connection (the build failed): cancel what it runs and close it."""
        self.stopped = True
        self.queue.put(None)
        if self.conn is not None and not self.conn.closed:  # not after finish()
            self.conn.cancel()
        if self.thread is not None:
            self.thread.join()
        if self.conn is not None:
            self.conn.close()


def open_side(session: Session) -> Side | None:
    """A second connection reading `session`'s snapshot, waiting for statements; None when it would not see what
    the session sees: the session's transaction must be REPEATABLE READ and have written nothing yet (an
    exported snapshot holds what was committed, not the exporting transaction's own changes)."""
    usable = session.execute(text("""SELECT current_setting('transaction_isolation') = 'repeatable read'
                                             AND pg_current_xact_id_if_assigned() IS NULL""")).scalar()
    if not usable:
        return None
    snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar()
    assert _SNAPSHOT.fullmatch(snapshot)
    url = session.get_bind().url.set(drivername="postgresql").render_as_string(hide_password=False)
    side = Side(session, snapshot, url)
    side.thread = threading.Thread(target=side._run, name="rollup-side", daemon=True)
    side.thread.start()
    return side
