"""A task for tests/test_jobs.py, loaded by workers with `python -m ingest worker --import tests.jobs_probe`:
each run records its key and the worker process, so a test sees a job run twice or never."""
from __future__ import annotations

import os

from sqlalchemy import text

from data import db
from data.jobs import app

TABLE = "CREATE TABLE IF NOT EXISTS job_probe (key int NOT NULL, pid int NOT NULL)"  # no UNIQUE: duplicates must show


@app.task(name="probe")
def probe(key: int) -> None:
    with db.session_scope() as s:
        s.execute(text("INSERT INTO job_probe (key, pid) VALUES (:k, :p)"), {"k": key, "p": os.getpid()})
