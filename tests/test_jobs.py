"""The job queue (data/jobs.py, `python -m ingest worker`): real worker processes against a database of
their own. Several workers share deferred jobs with none run twice and none lost; the periodic schedule
runs the scheduler tick, the rollup refresh and mailbox polling; `make run` (run.py) starts the web app and a worker and Ctrl-C stops both."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data import jobs
from data.models import Mailbox, Notification, SlaPolicy
from data.tickets import actions as tickets
from tests import factories as f
from tests.jobs_probe import TABLE
from tests.conftest import own_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def queue_db():
    """A migrated database of its own (workers commit; other tests must not see it) and an engine on it."""
    with own_database("okno_jobs") as url_engine:
        yield url_engine


def start_workers(url: str, n: int, *extra: str) -> list[subprocess.Popen]:
    env = dict(os.environ, DATABASE_URL=url, PYTHONPATH=str(ROOT))
    return [subprocess.Popen([sys.executable, "-m", "ingest", "worker", "--concurrency", "4", *extra], cwd=ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for _ in range(n)]


def stop(procs: list[subprocess.Popen]) -> list[int]:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(30))
        except subprocess.TimeoutExpired:
            p.kill()
            codes.append(p.wait())
    return codes


def wait_for(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return check()


def test_three_workers_share_a_batch_with_no_job_run_twice_and_none_lost(queue_db):
    url, engine = queue_db
    n = 300
    with engine.begin() as c:
        c.execute(text(TABLE))
    with Session(engine) as s:  # deferred in the caller's transaction: a rollback leaves no job
        jobs.defer(s, "probe", key=-1)
        s.rollback()
    with Session(engine) as s:
        for key in range(n):
            jobs.defer(s, "probe", key=key)
        s.commit()
    with engine.connect() as c:
        assert c.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'probe'")) == n

    workers = start_workers(url, 3, "--import", "tests.jobs_probe")
    started = time.monotonic()
    try:
        def done() -> bool:
            with engine.connect() as c:
                return c.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'probe' "
                                     "AND status IN ('todo', 'doing')")) == 0
        assert wait_for(done, 90), "the workers did not finish the batch"
        spent = time.monotonic() - started
    finally:
        codes = stop(workers)
    with engine.connect() as c:
        keys = c.execute(text("SELECT key, pid FROM job_probe")).all()
        failed = c.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'probe'"))
    assert len(keys) == n
    assert sorted(k for k, _ in keys) == list(range(n))  # none twice, none lost
    assert failed == 0  # succeeded jobs are deleted; nothing failed and stayed
    by_worker = {pid for _, pid in keys}
    assert by_worker <= {p.pid for p in workers} and len(by_worker) >= 2  # shared, not one worker alone
    assert codes == [0, 0, 0]
    print(f"\n{n} jobs, 3 workers: {spent:.1f} s, split {sorted(sum(1 for _, p in keys if p == w) for w in by_worker)}")


def test_the_periodic_schedule_runs_the_scheduler_tick(queue_db):
    url, engine = queue_db
    now = datetime.now(timezone.utc)
    with Session(engine) as s:  # a ticket whose first response falls due in 10 minutes: at risk now
        lead = f.user(s, "manager")
        team = f.team(s)
        team.lead_id = lead.id
        agent = f.user(s, "agent", team=team)
        board = f.board(s, team=team, agents=[agent])
        service = f.service(s, board)
        s.add(SlaPolicy(name="fast", first_response_minutes=60, conditions={"service_ids": [service.id]}))
        s.flush()
        ticket = tickets.create(s, None, title="Printer", board_id=board.id, service_id=service.id,
                                team_id=team.id, assignee_id=agent.id, at=now - timedelta(minutes=50))
        ticket_id = ticket.id
        # A mailbox whose server refuses connections: its poll job runs and records the failure.
        mailbox = Mailbox(name="Support", kind="imap", address="help@example.com", host="127.0.0.1",
                          port=_free_port(), use_ssl=False, username="help")
        s.add(mailbox)
        s.flush()
        mailbox_id = mailbox.id
        s.commit()

    def notices() -> list[str]:
        with Session(engine) as s:
            return list(s.scalars(select(Notification.text).where(Notification.ticket_id == ticket_id)))

    assert notices() == []
    workers = start_workers(url, 1)
    try:
        # The worker defers the tick of the minute just past at start, so this takes seconds, not a minute.
        assert wait_for(lambda: len(notices()) == 2, 75), "no at-risk notice from the periodic tick"

        def refreshed_at():
            with engine.connect() as c:
                return c.scalar(text("SELECT refreshed_at FROM analytics_state WHERE id = 1"))
        # The rollup refresh is a job of its own: on a busy machine it may finish after the tick's notices.
        assert wait_for(lambda: refreshed_at() is not None, 45), "the rollup refresh job did not run"
        refreshed = refreshed_at()

        def polled():
            with engine.connect() as c:
                return c.execute(text("SELECT last_run_at, last_error FROM mailboxes WHERE id = :i"),
                                 {"i": mailbox_id}).one()
        assert wait_for(lambda: polled()[0] is not None, 45), "the mailbox was not polled"
    finally:
        codes = stop(workers)
    assert "refused" in (polled()[1] or "").lower()  # what the mailbox list shows the administrator
    assert all("под угрозой" in x for x in notices())  # the assignee and the team lead, once each
    assert refreshed is not None and refreshed > now - timedelta(seconds=5)  # the rollup job ran too
    assert codes == [0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_starts_the_web_app_and_a_worker_and_ctrl_c_stops_both(queue_db):
    url, engine = queue_db
    with Session(engine) as s:  # a database in use (the demo is not loaded into it): the usual restart
        f.user(s, "admin")
        s.commit()
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, PORT=str(port), WEB_CONCURRENCY="1")
    run = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def web_answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def workers() -> int:
        with engine.connect() as c:
            return c.scalar(text("SELECT count(*) FROM procrastinate_workers"))
    try:
        assert wait_for(lambda: web_answers() and workers() == 1, 120), "web app or worker did not start"
        run.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert run.wait(45) == 0
    finally:
        if run.poll() is None:
            run.kill()
    assert not web_answers()
    assert workers() == 0  # the worker unregistered: it stopped cleanly, not killed


def test_the_web_app_stays_sync_although_the_queue_brings_asgiref(app):
    # Dash switches its page router to async when asgiref is importable; Flask then runs it through
    # asgiref, which fails in any thread that already runs an event loop (Telegram webhook, tests).
    import asgiref  # noqa: F401 — installed with procrastinate
    import inspect
    hooks = [fn for fns in app.before_request_funcs.values() for fn in fns]
    assert hooks and not [fn.__qualname__ for fn in hooks if inspect.iscoroutinefunction(fn)]
