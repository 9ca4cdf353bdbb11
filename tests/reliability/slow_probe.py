"""A job that holds its transaction open a while (0.2 s), so that a cut connection lands in the middle of
it: loaded by the worker in test_restart_survival.py with `--import tests.reliability.slow_probe`."""
from __future__ import annotations

import os

from sqlalchemy import text

from data import db
from data.jobs import app


@app.task(name="slow_probe")
def slow_probe(key: int) -> None:
    with db.session_scope() as s:
        s.execute(text("INSERT INTO job_probe (key, pid) VALUES (:k, :p)"), {"k": key, "p": os.getpid()})
        s.execute(text("SELECT pg_sleep(0.2)"))
