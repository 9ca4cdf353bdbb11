"""Load benchmark for the demo data generator.

    python bench/demo_load.py [TICKETS] [--seed S] [--keep NAME]

Creates a scratch database on DATABASE_URL's server, migrates it, loads TICKETS demo tickets
(default 1,000,000) with data.demo.load, prints {"tickets", "events", "comments", "seconds", ...}
as JSON, and drops the database — unless --keep NAME is given: then the loaded database is kept
under that name for other benchmarks (an existing database of that name is replaced).

The floor, in the same run: the loaded rows of every bulk table are read out (COPY TO) and timed
going back in with a bare COPY into index-less copies of the tables ("copy_floor_s"); the load's
ratio to it is "x_floor" (the target is at most 3.5). --no-floor skips it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from data import db
from data.demo import load  # noqa: E402
from data.migrate import upgrade  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tickets", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", metavar="NAME", help="keep the loaded database under this name")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--no-floor", action="store_true", help="do not measure the bare COPY floor")
    args = parser.parse_args(argv)
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="# %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
    server = make_url(db.database_url())
    # Built under the kept name's prefix (a scratch name of its own otherwise), renamed when done.
    scratch = f"{args.keep or 'okno_demo_bench'}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{scratch}"'))
    keep = False
    try:
        url = server.set(database=scratch).render_as_string(hide_password=False)
        upgrade(url)
        engine = create_engine(url)
        started, cpu = time.perf_counter(), time.process_time()
        summary = load(engine, tickets=args.tickets, seed=args.seed)
        seconds = round(time.perf_counter() - started, 1)
        cpu = {"python_cpu_s": round(time.process_time() - cpu, 1), "postgres_cpu_s": _backend_cpu(admin, scratch)}
        engine.dispose()
        result = {"tickets": summary["tickets"], "events": summary["events"], "comments": summary["comments"],
                  "seconds": seconds, "checklist_items": summary["checklist_items"],
                  "open_tickets": summary["open_tickets"], "it_l1_agents": summary["it_l1_agents"],
                  "go_live": summary["go_live"], "cpus": os.cpu_count(), **cpu,
                  "load_average": [round(x, 1) for x in os.getloadavg()]}
        if not args.no_floor:
            floor = copy_floor(url)
            result.update(copy_floor_s=floor, x_floor=round(seconds / floor, 2) if floor else None)
        if args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{args.keep}" WITH (FORCE)'))
                c.execute(text(f'ALTER DATABASE "{scratch}" RENAME TO "{args.keep}"'))
            keep = True
            result["database"] = args.keep
        print(json.dumps(result, ensure_ascii=False))
        return 0
    finally:
        if not keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


def copy_floor(url: str) -> float:
    """Seconds a bare COPY of the loaded rows takes: each bulk table read out to a temporary file,
    then copied into an index-less, constraint-less copy of itself in one transaction per table."""
    import psycopg

    from data.demo.copy import BULK_TABLES
    total = 0.0
    with psycopg.connect(db.normalise_url(url).replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("CREATE SCHEMA bench_floor")
        try:
            for table in BULK_TABLES:
                with tempfile.TemporaryFile() as rows:
                    # Through a query: COPY TO refuses a partitioned table (ticket_events, by month).
                    with conn.cursor().copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as out:
                        for chunk in out:
                            rows.write(chunk)
                    rows.seek(0)
                    conn.execute(f"CREATE TABLE bench_floor.{table} (LIKE public.{table})")
                    started = time.perf_counter()
                    with conn.transaction(), conn.cursor().copy(f"COPY bench_floor.{table} FROM STDIN") as into:
                        while data := rows.read(1 << 20):
                            into.write(data)
                    total += time.perf_counter() - started
        finally:
            conn.execute("DROP SCHEMA bench_floor CASCADE")
    return round(total, 1)


def _backend_cpu(admin, database: str) -> float | None:
    """CPU seconds of the server processes still connected to the database (same host only)."""
    with admin.connect() as c:
        pids = [r[0] for r in c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database})]
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    return round(total, 1) if pids else None


if __name__ == "__main__":
    sys.exit(main())
