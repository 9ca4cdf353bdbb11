"""The analytics rollup's incremental refresh after 1,000 board moves, and where its time goes.

    python bench/rollup_refresh.py URL [--as-is] [--keep] [--code DIR] [--skip-rebuild]

On a scratch copy of the database at URL (CREATE DATABASE … TEMPLATE: nobody may be connected to it at that
moment, so the copy is retried; the copy is migrated and dropped afterwards unless --keep), or on URL itself
with --as-is (a scratch database of your own, e.g. `python bench/demo_load.py 100000 --keep okno_refresh`):
builds the rollup (timed), makes 950 forward moves of random open cards and 50 reopens of done ones through
tickets.move, committed in batches of 100, then times one rollup.refresh — with the seconds per step when
the code reports them. --code DIR imports the application from another checkout (e.g. /work/main: the code
before, on the same database), which must then already be migrated to that code's schema.
Prints JSON: rebuild_s, moves_s, refresh_s (wall), refresh_cpu_s (this process), refresh_db_s (the rest:
PostgreSQL and waiting), steps, tickets or days redone, load average. `make bench` runs `run(url)`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

MOVES, REOPENS, BATCH = 950, 50, 100
FORWARD = {"queue": "in_progress", "in_progress": "waiting", "waiting": "done"}


def _copy(url: str, name: str) -> str:
    """A copy of the database at `url` named `name` (replaced if it exists)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    source = make_url(url)
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            for attempt in range(60):
                try:
                    c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
                    break
                except Exception as exc:  # noqa: BLE001 - "being accessed by other users": wait for them
                    if "being accessed" not in str(exc) or attempt == 59:
                        raise
                    time.sleep(5)
    finally:
        admin.dispose()
    return source.set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def _moves(seed: int = 19) -> tuple[int, float]:
    """950 forward moves of random open cards and 50 reopens of done ones, committed every 100."""
    from sqlalchemy import select, text
    from data.db import session_scope
    from data.models import BoardColumn
    from data.tickets import actions as tickets
    rng = random.Random(seed)
    with session_scope() as s:
        columns = {(b, k): c for c, b, k in s.execute(select(BoardColumn.id, BoardColumn.board_id, BoardColumn.kind))}
        open_ = s.execute(text("SELECT id, board_id, status FROM tickets WHERE status <> 'done'"
                               " ORDER BY random() LIMIT :n"), {"n": MOVES * 3}).all()
        done = s.execute(text("SELECT id, board_id FROM tickets WHERE status = 'done' ORDER BY random() LIMIT :n"),
                         {"n": REOPENS}).all()
    plan = [(tid, columns.get((board, FORWARD[status]))) for tid, board, status in open_ if status in FORWARD]
    plan = [p for p in plan if p[1]][:MOVES] + [(tid, columns.get((board, "in_progress"))) for tid, board in done]
    rng.shuffle(plan)
    started = time.perf_counter()
    for i in range(0, len(plan), BATCH):
        with session_scope() as s:
            for tid, column in plan[i:i + BATCH]:
                tickets.move(s, None, tid, column)
    return len(plan), time.perf_counter() - started


@contextmanager
def _statements(engine, into: list):
    """Collect (seconds, the statement's first words) of every statement run on `engine` meanwhile."""
    from sqlalchemy import event

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["okno_bench_t"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        into.append((time.perf_counter() - conn.info.pop("okno_bench_t"), " ".join(statement.split())[:110]))
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure(url: str, rebuild: bool = True) -> dict:
    """Rebuild (optional), 1,000 moves, one timed refresh, on the database at `url` (which it changes)."""
    os.environ["DATABASE_URL"] = url
    from data import db
    db.reset_engine()
    from sqlalchemy import text
    from data.metrics import rollup
    isolation = getattr(rollup, "ROLLUP_ISOLATION", None)
    out: dict = {"tickets": None}
    with db.session_scope() as s:
        out["tickets"] = s.execute(text("SELECT count(*) FROM tickets")).scalar()
    if rebuild:
        started = time.perf_counter()
        with db.session_scope(isolation) if isolation else db.session_scope() as s:
            rollup.rebuild(s)
        out["rebuild_s"] = round(time.perf_counter() - started, 1)
        out["load_after_rebuild"] = os.getloadavg()[0]
    out["moves"], seconds = _moves()
    out["moves_s"] = round(seconds, 1)
    steps: dict = {}
    statements: list = []
    started, cpu = time.perf_counter(), time.process_time()
    with _statements(db.get_engine(), statements), \
            db.session_scope(isolation) if isolation else db.session_scope() as s:
        redone = rollup.refresh(s, steps) if isolation else rollup.refresh(s)
    out["refresh_s"] = round(time.perf_counter() - started, 2)
    out["refresh_cpu_s"] = round(time.process_time() - cpu, 2)
    out["refresh_db_s"] = round(out["refresh_s"] - out["refresh_cpu_s"], 2)
    out["redone"] = redone
    out["steps_s"] = steps
    out["statements"] = len(statements)
    out["slowest_statements"] = [f"{sec:.2f} s  {sql}" for sec, sql in sorted(statements, reverse=True)[:12]]
    out["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return out


def run(url: str) -> dict:
    """`make bench`: on a scratch copy of the benchmark database, never the database itself."""
    copy = _copy(url, "okno_rollup_refresh")
    try:
        from data.migrate import upgrade
        upgrade(copy)
        return measure(copy)
    finally:
        _drop(copy)
        os.environ["DATABASE_URL"] = url
        from data import db
        db.reset_engine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--as-is", action="store_true", help="work on URL itself (a scratch database)")
    parser.add_argument("--keep", action="store_true", help="keep the copy")
    parser.add_argument("--code", help="import the application from this checkout")
    parser.add_argument("--skip-rebuild", action="store_true", help="use the rollup as it is")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.code or str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    url = args.url if args.as_is else _copy(args.url, "okno_rollup_refresh")
    try:
        if not args.as_is and not args.code:
            from data.migrate import upgrade
            upgrade(url)
        print(json.dumps(measure(url, rebuild=not args.skip_rebuild), indent=2, default=str))
    finally:
        if not args.as_is and not args.keep:
            _drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
