"""How a full build of the rollup writes its tables fast (data/metrics/rollup.py): the session's settings for
big sorts and parallel scans, rows computed by a statement that may run in parallel, and indexes built once
after the rows instead of row by row.

PostgreSQL plans no parallel workers for a statement that writes rows (INSERT … SELECT), but does for
CREATE TABLE … AS: so `insert` computes the rows into a scratch table that way and then copies them (the
copy is cheap next to the aggregation: the rows are already summed). `without_indexes` drops a table's
indexes (those that back no constraint) and creates them again from their own definitions afterwards.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from itertools import count
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.orm import Session

# For this transaction only (SET LOCAL). Sorts and hashes of the whole event history fit in memory instead
# of spilling to disk (at a million tickets the events sorted in time order take ~600 MB, the SLEs' groups
# ~500 MB: 256 MB made the build 25 % slower); a big statement is split over two workers besides the
# session's own process.
SETTINGS = {
    "work_mem": "'1GB'",
    "maintenance_work_mem": "'512MB'",
    "max_parallel_workers_per_gather": "2",
    "max_parallel_maintenance_workers": "2",
    # Whole-table statements: starting workers is cheap next to them, so let the planner use them.
    "parallel_setup_cost": "100",
    "parallel_tuple_cost": "0.01",
    # Compiling these wide aggregations costs seconds a statement at a million tickets, more than it saves.
    "jit": "off",
    # Every statement of a build reads whole tables: a join is a hash join (misestimated groups made the
    # planner loop over index lookups, one per resolution).
    "enable_nestloop": "off",
}
_names = count()
INSERT = re.compile(r"\s*INSERT INTO (\w+) \(([^()]*)\)\s*((?:SELECT|WITH)\b.*)", re.S)
# The build's scratch tables (okno_…) are temporary: no parallel worker can read them, so a statement reading
# one gains nothing from a scratch copy of its rows.
SCRATCH = re.compile(r"\bokno_\w+")


def tune(session: Session) -> None:
    for name, value in SETTINGS.items():
        session.execute(text(f"SET LOCAL {name} = {value}"))


def execute(session: Session, sql: str, params: dict | None = None) -> None:
    """Run a statement of the build: an `INSERT INTO table (columns) SELECT …` of the live tables through
    `insert`; anything else as it is."""
    found = INSERT.fullmatch(sql)
    if found is None or SCRATCH.search(found[3]):
        session.execute(text(sql), params or {})
    else:
        insert(session, found[1], found[2], found[3], params)


def insert(session: Session, table: str, columns: str, query: str, params: dict | None = None) -> None:
    """INSERT INTO `table` (`columns`) the rows of `query`, computed by a statement that can go parallel."""
    scratch = f"okno_bulk_{next(_names)}"
    session.execute(text(f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT * FROM ({query}) AS q({columns})"),
                    params or {})
    session.execute(text(f"INSERT INTO {table} ({columns}) SELECT * FROM {scratch}"))
    session.execute(text(f"DROP TABLE {scratch}"))


@contextmanager
def without_indexes(session: Session, *tables: str) -> Iterator[None]:
    """Drop the indexes of `tables` (not those of constraints: primary keys stay) and create them again on
    leaving: one sort per index instead of an insertion per row."""
    found = session.execute(text("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = ANY(CAST(:tables AS regclass[]))
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1"""), {"tables": list(tables)}).all()
    for name, _ in found:
        session.execute(text(f"DROP INDEX {name}"))
    yield
    for _, definition in found:
        session.execute(text(definition))
