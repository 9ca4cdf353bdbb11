"""After the demo's rows have committed: the indexes and foreign-key checks the bulk load put off,
run on two connections at once, then every loaded table vacuumed and analysed.

PostgreSQL builds one index or checks one foreign key on one core (only B-tree builds get parallel
workers; GIN builds and key checks do not); two connections keep both cores of a small machine
busy. That needs the rows committed first — another connection cannot see them before — so the
loading transaction writes what it put off into JOURNAL and commits it with the rows. Each
statement then commits together with the removal of its line: a load interrupted after the rows
committed is finished, never repeated, by the next finish() (`python -m data demo` and `make run`
call it first). Until then the database has its rows, primary keys, unique constraints and
foreign keys (the latter NOT VALID, i.e. checked for new rows, not yet for the loaded ones).

Which statements may run side by side is decided from the locks they take, so no connection
ever waits for the other: CREATE INDEX takes SHARE on its table, VALIDATE CONSTRAINT takes SHARE
UPDATE EXCLUSIVE on its table and ROW SHARE on the referenced one, ADD FOREIGN KEY (a partitioned
table, which cannot take NOT VALID in PostgreSQL 15) SHARE ROW EXCLUSIVE on both, VACUUM SHARE
UPDATE EXCLUSIVE. A table filled by an INSERT … SELECT after the commit (the ratings, from the
tickets) is filled first: ROW EXCLUSIVE on it keeps its own index builds and key checks waiting,
ACCESS SHARE on what it reads lets the others run beside it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
JOURNAL = "okno_demo_unbuilt"
CONNECTIONS = 2
MAINTENANCE_WORK_MEM = "512MB"  # per connection: sorts and GIN builds in memory at 1M tickets

# PostgreSQL's table lock modes (by number, as in lock.h) and which of them each one conflicts with.
ACCESS_SHARE, ROW_SHARE, ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE = 1, 2, 3, 4, 5, 6
_CONFLICTS = {ACCESS_SHARE: {8}, ROW_SHARE: {7, 8}, ROW_EXCLUSIVE: {5, 6, 7, 8}, SHARE_UPDATE_EXCLUSIVE: {4, 5, 6, 7, 8},
              SHARE: {3, 4, 6, 7, 8}, SHARE_ROW_EXCLUSIVE: {3, 4, 5, 6, 7, 8}}
FIRST = float("inf")  # the weight of a job that writes rows: before the indexes and keys of its table


@dataclass
class Job:
    statement: str
    table: str  # the table it works on
    locks: dict[str, int]  # table -> lock mode held while it runs
    weight: float = 0.0  # estimated cost: the heaviest go first
    position: int | None = None  # its line in JOURNAL; None: not journalled (VACUUM, ANALYZE)

    def conflicts(self, other: Job) -> bool:
        return any(other.locks[t] in _CONFLICTS[m] for t, m in self.locks.items() if t in other.locks)


def index_job(statement: str, table: str) -> Job:
    return Job(statement, table, {table: SHARE})


def validate_job(table: str, name: str, referenced: str) -> Job:
    locks = {referenced: ROW_SHARE, table: SHARE_UPDATE_EXCLUSIVE}  # a self-reference keeps the stronger
    return Job(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"', table, locks)


def add_foreign_key_job(statement: str, table: str, referenced: str) -> Job:
    return Job(statement, table, {table: SHARE_ROW_EXCLUSIVE, referenced: SHARE_ROW_EXCLUSIVE})


def insert_job(statement: str, table: str, reads: str) -> Job:
    """An INSERT … SELECT that fills `table` from `reads`. It runs first (its table's index builds and
    key checks conflict with it, so they wait for it), beside the other tables' work."""
    return Job(statement, table, {table: ROW_EXCLUSIVE, reads: ACCESS_SHARE}, weight=FIRST)


def record(cur, jobs: list[Job]) -> None:
    """In the loading transaction: keep the put-off statements, committed with the rows."""
    cur.execute(f"CREATE TABLE {JOURNAL} (position integer PRIMARY KEY, statement text NOT NULL, "
                "target text NOT NULL, locks jsonb NOT NULL)")
    with cur.copy(f"COPY {JOURNAL} (position, statement, target, locks) FROM STDIN") as copy:
        for position, job in enumerate(jobs):
            copy.write_row((position, job.statement, job.table, json.dumps(job.locks)))


class _Connection:
    """A psycopg connection of the engine in autocommit mode (VACUUM and the journal's own transactions)."""

    def __init__(self, engine: Engine):
        self.outer = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def __enter__(self):
        return self.outer.connection.driver_connection

    def __exit__(self, *exc):
        self.outer.close()
        return False


def pending(engine: Engine) -> bool:
    """True when a load's rows committed and some of its indexes or key checks are still to do."""
    with _Connection(engine) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (JOURNAL,)).fetchone()[0]


def finish(engine: Engine, connections: int = CONNECTIONS) -> None:
    """Run what JOURNAL holds, drop it, then VACUUM (ANALYZE) every table; all on `connections` at once.

    Every table: autovacuum may be off or slow to come, and the list's counts, the planner's joins
    and index-only scans (the visibility map) need statistics right after a load, including
    those of the small reference tables and of what the load wrote by SQL (ratings, search words)."""
    with _Connection(engine) as conn:
        # Partitions are vacuumed with their table; the journal is gone by then.
        tables = [t for (t,) in conn.execute("""
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> %s
            ORDER BY 1""", (JOURNAL,))]
        jobs = []
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", (JOURNAL,)).fetchone()[0]:
            jobs = [Job(statement, target, {t: int(m) for t, m in locks.items()}, position=position)
                    for position, statement, target, locks in conn.execute(
                        f"SELECT position, statement, target, locks FROM {JOURNAL} ORDER BY position")]
        # A partitioned table (ticket_events) is the sum of its partitions.
        sizes = dict(conn.execute("""
            SELECT coalesce(p.relname, c.relname)::text, sum(pg_total_relation_size(c.oid))::bigint
            FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE coalesce(p.relname, c.relname) = ANY(%s) AND c.relkind = 'r' GROUP BY 1""",
                                  (list(tables),)).fetchall())
    for job in jobs:
        # GIN builds (text search, trigrams) cost several times a B-tree's over the same rows.
        job.weight = FIRST if ROW_EXCLUSIVE in job.locks.values() else \
            sizes.get(job.table, 0) * (4 if " USING gin " in job.statement else 1)
    started = time.perf_counter()
    _run(engine, jobs, connections)
    with _Connection(engine) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {JOURNAL}")
    built = time.perf_counter()
    # VACUUM cannot run in a transaction block, so it is not journalled: a resumed load runs it again.
    # VACUUMs run only beside VACUUMs: those ignore each other, but a page becomes all-visible only if
    # its rows are older than every snapshot held in the database — and on a shared server, a snapshot
    # of ours (a key check, an ANALYZE) can reach back to another database's long transaction.
    _run(engine, [Job(f"VACUUM {t}", t, {t: SHARE_UPDATE_EXCLUSIVE}, weight=sizes.get(t, 0)) for t in tables],
         connections)
    # Each VACUUM statement starts with a snapshot of its own for a moment, so two can still meet:
    # a table left with pages not all-visible is vacuumed again, alone (the visible pages are skipped).
    _run(engine, [Job(f"VACUUM {t}", t, {t: SHARE_UPDATE_EXCLUSIVE}) for t in _not_all_visible(engine, tables)], 1)
    # Then the statistics, once every index is there (ANALYZE also samples the expression indexes).
    _run(engine, [Job(f"ANALYZE {t}", t, {t: SHARE_UPDATE_EXCLUSIVE}, weight=sizes.get(t, 0)) for t in tables],
         connections)
    log.info("demo: indexes and key checks %.0f s, vacuum and statistics %.0f s", built - started,
             time.perf_counter() - built)


def _not_all_visible(engine: Engine, tables) -> list[str]:
    with _Connection(engine) as conn:
        return [t for (t,) in conn.execute("""
            SELECT coalesce(p.relname, c.relname)::text FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE coalesce(p.relname, c.relname) = ANY(%s) AND c.relkind = 'r'
            GROUP BY 1 HAVING sum(c.relallvisible) < sum(c.relpages) ORDER BY 1""", (list(tables),))]


def _run(engine: Engine, jobs: list[Job], connections: int) -> None:
    """Run jobs on `connections` threads, each with its own connection: the heaviest job that
    conflicts with nothing running goes next."""
    todo = sorted(jobs, key=lambda j: -j.weight)
    running: list[Job] = []
    errors: list[BaseException] = []
    cond = threading.Condition()

    def ready(job: Job) -> bool:
        return not any(job.conflicts(r) or r.conflicts(job) for r in running)

    def take() -> Job | None:
        with cond:
            while True:
                if errors or not todo:
                    return None
                job = next((j for j in todo if ready(j)), None)
                if job is None and not running:  # cannot happen with consistent jobs; never wait forever
                    job = todo[0]
                if job is not None:
                    todo.remove(job)
                    running.append(job)
                    return job
                cond.wait()

    def worker() -> None:
        try:
            with _Connection(engine) as conn:
                conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                while (job := take()) is not None:
                    try:
                        _execute(conn, job)
                    finally:
                        with cond:
                            running.remove(job)
                            cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the calling thread
            with cond:
                errors.append(exc)
                cond.notify_all()

    threads = [threading.Thread(target=worker, name=f"demo-build-{i}", daemon=True)
               for i in range(min(connections, len(todo)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _execute(conn, job: Job) -> None:
    started = time.perf_counter()
    log.debug("start: %s", job.statement)
    if job.position is None:
        conn.execute(job.statement)
    else:
        with conn.transaction():  # the statement and the removal of its line commit together
            conn.execute(job.statement)
            conn.execute(f"DELETE FROM {JOURNAL} WHERE position = %s", (job.position,))
    log.debug("%.1f s: %s", time.perf_counter() - started, job.statement)


__all__ = ["JOURNAL", "Job", "index_job", "validate_job", "add_foreign_key_job", "insert_job", "record", "pending",
           "finish"]
