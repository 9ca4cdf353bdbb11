"""`python -m data sla-backfill` on a kept demo database: the first-time path, then the unchanged path.

    python bench/sla_backfill.py DBNAME [--root PATH] [--runs N] [--profile FILE]

DBNAME: a database loaded with `python bench/demo_load.py N --keep DBNAME` (it is written to: the first-time
run starts by emptying ticket_sla — never point this at a database someone else uses). --root: another
checkout's code (the "before" of a before/after pair, on the same database). --profile: cProfile of the
first first-time run into FILE.

Per run: tickets/s, the Python process's CPU (reader and writer threads together) and the CPU of the
PostgreSQL backends serving it (read from /proc: same host only), and the load average — on a shared
machine the wall rate depends on the load, the CPU seconds much less.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(args: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    if "--root" in args:
        root = Path(args[args.index("--root") + 1]).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    name = args[0]
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
    profile = args[args.index("--profile") + 1] if "--profile" in args else None
    os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"

    from sqlalchemy import event, text

    from data import db
    from data.sla import recompute as sla
    factory = db.SessionFactory()
    backends: dict[int, float] = {}

    @event.listens_for(db.get_engine(), "connect")
    def _remember(dbapi_conn, _record):
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        backends[pid] = _cpu(pid)

    def backend_cpu() -> float:
        return sum(_cpu(pid) for pid in backends)

    def one(kind: str, profiled: bool) -> dict:
        if kind == "first_time":
            with db.session_scope() as s:
                s.execute(text("TRUNCATE ticket_sla"))
        load_before = os.getloadavg()[0]
        pg0, py0 = backend_cpu(), time.process_time()
        if profiled:
            import cProfile
            prof = cProfile.Profile()
            summary = prof.runcall(sla.backfill, factory)
            prof.dump_stats(profile)
        else:
            summary = sla.backfill(factory)
        py, pg = time.process_time() - py0, backend_cpu() - pg0
        with db.session_scope() as s:
            rows = s.scalar(text("SELECT count(*) FROM ticket_sla"))
        return {"path": kind, "tickets": summary["tickets"], "seconds": summary["seconds"],
                "tickets_per_s": summary["tickets_per_s"], "busy_s": summary.get("busy_s"), "python_cpu_s": round(py, 2),
                "postgres_cpu_s": round(pg, 2), "ticket_sla_rows": rows,
                "load": [round(load_before, 1), round(os.getloadavg()[0], 1)]}

    with db.session_scope() as s:
        s.execute(text("SELECT 1"))
    for i in range(runs):
        for kind in ("first_time", "unchanged"):
            print(json.dumps(one(kind, profile is not None and i == 0 and kind == "first_time")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
