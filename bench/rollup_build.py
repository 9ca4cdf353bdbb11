"""The analytics rollup's full build, statement by statement, and a fingerprint of what it built.

    python bench/rollup_build.py URL [--code DIR] [--explain DIR] [--no-build] [--no-fingerprint]

Runs rollup.rebuild on the database at URL (a scratch database of your own: it replaces the rollup there,
as `python -m data analytics-rollup` does) in the transaction the command uses, commits, and prints JSON:
build_s (wall, commit included), cpu_s (this process), the slowest statements with their seconds, the load
average before and after, and per rollup table its rows and a fingerprint of their contents (serial ids left
out) — equal fingerprints before and after a change mean the same rows. --code DIR imports the application
from another checkout (e.g. /work/main: the code before, on the same database). --explain DIR runs each
statement that writes rows as EXPLAIN (ANALYZE, BUFFERS) instead (it still writes them) and saves the plans
there, one file per statement, slowest first.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

_WRITES = ("INSERT", "WITH", "CREATE TABLE", "CREATE TEMPORARY TABLE", "CREATE UNLOGGED TABLE")


@contextmanager
def _statements(engine, into: list, explain: bool):
    """Collect (seconds, statement, plan) of every statement run on `engine` meanwhile; with `explain`, the
    statements that write rows run under EXPLAIN ANALYZE (which executes them) and their plans are kept."""
    from sqlalchemy import event

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["okno_bench_t"] = time.perf_counter()
        if explain and statement.lstrip().upper().startswith(_WRITES) and "RETURNING" not in statement.upper():
            conn.info["okno_bench_explained"] = True
            return "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        return statement, parameters

    def after(conn, cursor, statement, parameters, context, executemany):
        plan = None
        if conn.info.pop("okno_bench_explained", False):
            plan = "\n".join(r[0] for r in cursor.fetchall())
        into.append((time.perf_counter() - conn.info.pop("okno_bench_t"), statement, plan))
    event.listen(engine, "before_cursor_execute", before, retval=True)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local process so far (PostgreSQL on the same host)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fingerprint(session, table: str) -> dict:
    """Rows and an order-independent hash of their contents (serial ids left out)."""
    from sqlalchemy import text
    columns = [c for c in session.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys() if c != "id"]
    row = "ROW(" + ", ".join(columns) + ")::text"
    n, digest = session.execute(text(
        f"SELECT count(*), coalesce(sum(('x' || substr(md5({row}), 1, 15))::bit(60)::bigint), 0)::text"
        f" FROM {table}")).one()
    return {"rows": n, "hash": digest}


def tables() -> list[str]:
    from data.metrics import rollup_csat, rollup_flow, rollup_tables
    return ["analytics_daily", "analytics_dist", "analytics_tickets", "analytics_monthly", *rollup_tables.TABLES,
            *rollup_flow.TABLES, *rollup_csat.TABLES]


def measure(url: str, explain: str | None = None, build: bool = True, fingerprints: bool = True) -> dict:
    os.environ["DATABASE_URL"] = url
    from data import db
    db.reset_engine()
    from sqlalchemy import text
    from data.metrics import rollup
    out: dict = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    with db.session_scope() as s:
        out["tickets"] = s.execute(text("SELECT count(*) FROM tickets")).scalar()
    if build:
        statements: list = []
        started, cpu = time.perf_counter(), time.process_time()
        with _statements(db.get_engine(), statements, bool(explain)), db.session_scope(rollup.ROLLUP_ISOLATION) as s:
            backend = s.execute(text("SELECT pg_backend_pid()")).scalar()
            backend_cpu = _cpu(backend)
            rollup.rebuild(s)
            backend_cpu = _cpu(backend) - backend_cpu
        out["build_s"] = round(time.perf_counter() - started, 2)
        out["cpu_s"] = round(time.process_time() - cpu, 2)
        out["postgres_backend_cpu_s"] = round(backend_cpu, 2)  # the session's own process, not parallel workers'
        out["load_after"] = [round(x, 2) for x in os.getloadavg()]
        out["statements"] = len(statements)
        slowest = sorted(statements, key=lambda x: -x[0])
        out["slowest"] = [f"{sec:7.2f} s  {' '.join(sql.split())[:150]}" for sec, sql, _ in slowest[:25]]
        if explain:
            folder = Path(explain)
            folder.mkdir(parents=True, exist_ok=True)
            for i, (sec, sql, plan) in enumerate(x for x in slowest if x[2]):
                (folder / f"{i:02d}.txt").write_text(f"-- {sec:.2f} s\n{sql}\n\n{plan}\n")
    if fingerprints:
        with db.session_scope() as s:
            out["tables"] = {t: fingerprint(s, t) for t in tables()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--code", help="import the application from this checkout")
    parser.add_argument("--explain", metavar="DIR", help="EXPLAIN ANALYZE the writing statements into DIR")
    parser.add_argument("--no-build", action="store_true", help="only fingerprint the rollup as it is")
    parser.add_argument("--no-fingerprint", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.code or str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    print(json.dumps(measure(args.url, args.explain, not args.no_build, not args.no_fingerprint), indent=2,
                     default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
