"""The long-running commands survive a database restart: every connection they hold is cut again and again
(pg_terminate_backend, what a restart or a failover does to them) while they work, and they carry on and
finish with nothing lost and nothing twice.

- `python -m ingest email import`: each message's transaction is run again after the cut; a message whose
  first transaction did commit is recognised by its Message-ID, so it is never taken in twice.
- `python -m ingest worker`: the worker process stays up and keeps taking jobs; a job cut off mid-way is
  run again (data/jobs.py: retried on a lost database), and its transaction was rolled back with the
  connection, so its work is done once.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from data import jobs
from data.ops.scratch import scratch_database
from tests import factories as f
from tests.jobs_probe import TABLE
from tests.reliability.live import server_url, terminate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_db():
    with scratch_database(server_url(), "okno_restart") as url:
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


class Cutter(threading.Thread):
    """Cuts every connection of `app_name` every `period` seconds until stopped; counts what it cut."""

    def __init__(self, url: str, app_name: str, period: float):
        super().__init__(daemon=True)
        self.url, self.app_name, self.period = url, app_name, period
        self.stop, self.cut = threading.Event(), 0

    def run(self):
        while not self.stop.wait(self.period):
            self.cut += terminate(self.url, self.app_name)


def env_for(url: str, app_name: str) -> dict:
    return dict(os.environ, DATABASE_URL=url, PGAPPNAME=app_name, PYTHONPATH=str(ROOT))


def write_mail(folder: Path, n: int) -> None:
    for i in range(n):
        m = EmailMessage()
        m["From"] = f"user{i}@corp.example"
        m["To"] = "help@okno.example"
        m["Subject"] = f"Printer {i} does not print"
        m["Message-ID"] = f"<restart-{i}@corp.example>"
        m["Date"] = "Mon, 30 Nov 2026 10:00:00 +0300"
        m.set_content(f"Request number {i}: the printer on floor {i % 7} is jammed.")
        (folder / f"{i:04}.eml").write_bytes(bytes(m))


def test_mailbox_import_carries_on_through_cut_connections(own_db, tmp_path):
    url, engine = own_db
    n = 120
    with Session(engine) as s:
        code = f.service(s, f.board(s, f.team(s))).code
        s.commit()
    write_mail(tmp_path, n)
    # A cut every second: on a loaded machine one message's transaction can take longer than a shorter
    # period, and then every retry of it would be cut too (the import gives up after a minute of that).
    cutter = Cutter(url, "okno-import", 1.0)
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "email", "import", "--service", code,
                             "--path", str(tmp_path)], cwd=ROOT, env=env_for(url, "okno-import"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cutter.start()
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        cutter.stop.set()
        cutter.join()
    assert proc.returncode == 0, err[-2000:]
    counts = json.loads(out)
    with engine.connect() as c:
        tickets = c.execute(text("SELECT title FROM tickets")).scalars().all()
        inbound = c.scalar(text("SELECT count(*) FROM inbound_messages"))
    assert cutter.cut > 0, "nothing was cut: the import ended before the first cut"
    assert sorted(tickets) == sorted(f"Printer {i} does not print" for i in range(n))  # each once
    assert inbound == n
    assert counts.get("tickets_created", 0) + counts.get("duplicate", 0) == n
    print(f"\n{n} messages imported through {cutter.cut} cut connections: {counts}")


def test_the_worker_carries_on_through_cut_connections(own_db):
    url, engine = own_db
    n = 60
    with engine.begin() as c:
        c.execute(text(TABLE))
    worker = subprocess.Popen([sys.executable, "-m", "ingest", "worker", "--concurrency", "4",
                               "--import", "tests.reliability.slow_probe"], cwd=ROOT, env=env_for(url, "okno-worker"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cutter = Cutter(url, "okno-worker", 0.5)
    cutter.start()
    try:
        for batch in range(10):  # jobs keep arriving while the connections are cut
            with Session(engine) as s:
                for key in range(batch * n // 10, (batch + 1) * n // 10):
                    jobs.defer(s, "slow_probe", key=key)
                s.commit()
            time.sleep(0.5)
        time.sleep(2)
        cutter.stop.set()
        cutter.join()

        def left() -> int:
            with engine.connect() as c:
                return c.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'slow_probe' "
                                     "AND status IN ('todo', 'doing')"))
        deadline = time.monotonic() + 120
        while left() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert worker.poll() is None, "the worker died: " + (worker.stderr.read() or "")[-2000:]
        assert left() == 0, "jobs left in the queue"
    finally:
        cutter.stop.set()
        if worker.poll() is None:
            worker.terminate()
        worker.wait(60)
    with engine.connect() as c:
        keys = sorted(c.execute(text("SELECT key FROM job_probe")).scalars())
        failed = c.execute(text("SELECT id, status FROM procrastinate_jobs WHERE task_name = 'slow_probe'")).all()
    assert cutter.cut > 0
    assert keys == list(range(n)), f"lost: {sorted(set(range(n)) - set(keys))}, twice: " \
                                   f"{sorted(k for k in set(keys) if keys.count(k) > 1)}"
    assert failed == []
    print(f"\n{n} jobs through {cutter.cut} cut connections")
