"""Shared benchmark plumbing: the million-ticket database, timing, percentiles."""
from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data import db

BENCH_DB = "okno_bench"
BENCH_TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))


def bench_database() -> str:
    """The URL of the benchmark database, created and loaded once if missing."""
    if os.environ.get("BENCH_DATABASE_URL"):
        url = db.normalise_url(os.environ["BENCH_DATABASE_URL"])
    else:
        server = make_url(db.database_url())
        url = server.set(database=BENCH_DB).render_as_string(hide_password=False)
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": BENCH_DB}).first()
            if not exists:
                c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
        admin.dispose()
        if not exists:
            from data import demo
            from data.migrate import upgrade
            upgrade(url)
            demo.load(create_engine(url), tickets=BENCH_TICKETS, seed=7)
    from data.migrate import upgrade
    upgrade(url)  # new migrations since the database was loaded
    os.environ["DATABASE_URL"] = url
    db.reset_engine()
    return url


def timed(fn, repeat: int = 20, warmup: int = 2) -> dict:
    """p50/p95/max in milliseconds over `repeat` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
            "max_ms": round(samples[-1], 1), "n": repeat}
