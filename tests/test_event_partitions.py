"""ticket_events by month (migration scale2_0001, data/ops/event_partitions.py, `python -m data events`): the
migration moves every event into its month keeping its id, and back on downgrade; the command line lists the
months, creates the coming ones (taking their rows out of the default partition) and detaches a past month
as a plain table to archive. Each test has a database of its own."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from data import db
from data.db import session_scope
from data.migrate import alembic_config, upgrade
from data.ops.scratch import scratch_database
from data.tickets import actions as tickets
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime.now(timezone.utc)
OLD = datetime(2024, 1, 15, 9, 0, tzinfo=timezone.utc)


def _month_start(moment: datetime, ahead: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 + ahead
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def history_db():
    """A database at the revision before partitioning, with tickets whose events span two years.

    The tickets are made by today's services at the head revision (their models know every later column)
    and the database then goes down to the revision before partitioning, which keeps the events."""
    with scratch_database(db.database_url(), "okno_partitions", use=True, migrate=False) as url:
        upgrade(url)
        with session_scope() as s:
            board = f.board(s, f.team(s))
            old = tickets.create(s, None, title="Январь 2024", board_id=board.id, at=OLD)
            tickets.move(s, None, old.id, f.column(board, "done").id, at=OLD + timedelta(days=3))
            tickets.create(s, None, title="Сегодня", board_id=board.id, at=NOW)
        command.downgrade(alembic_config(url), "kbcsat_0001")
        yield url


def _rows(url: str, sql: str, **params) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(text(sql), params)]
    engine.dispose()
    return rows


def _kind(url: str) -> str:
    return _rows(url, "SELECT relkind FROM pg_class WHERE oid = 'ticket_events'::regclass")[0][0]


EVENTS = "SELECT id, ticket_id, at, kind, to_status FROM ticket_events ORDER BY id"


def test_migration_moves_every_event_into_its_month_keeping_ids_and_back(history_db):
    before = _rows(history_db, EVENTS)
    assert len(before) == 3 and _kind(history_db) == "r"

    upgrade(history_db)

    assert _kind(history_db) == "p"
    assert _rows(history_db, EVENTS) == before
    where = dict(_rows(history_db, "SELECT id, tableoid::regclass::text FROM ticket_events"))
    assert where[before[0][0]] == "ticket_events_2024_01" and where[before[1][0]] == "ticket_events_2024_01"
    assert where[before[2][0]] == f"ticket_events_{NOW:%Y_%m}"
    months = {r[0] for r in _rows(history_db, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                              "WHERE i.inhparent = 'ticket_events'::regclass")}
    assert f"ticket_events_{_month_start(NOW, 3):%Y_%m}" in months and "ticket_events_default" in months
    # New events continue the same ids; deleting a ticket still takes its events (the foreign key is back).
    db.reset_engine()
    with session_scope() as s:
        board = f.board(s, f.team(s))
        new = tickets.create(s, None, title="После", board_id=board.id)
        new_id = new.id
    assert _rows(history_db, "SELECT max(id) FROM ticket_events")[0][0] > before[-1][0]
    with session_scope() as s:
        s.execute(text("DELETE FROM tickets WHERE id = :t"), {"t": new_id})
    assert _rows(history_db, "SELECT count(*) FROM ticket_events WHERE ticket_id = :t", t=new_id) == [(0,)]

    command.downgrade(alembic_config(history_db), "kbcsat_0001")

    assert _kind(history_db) == "r"
    assert _rows(history_db, EVENTS) == before
    assert _rows(history_db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'ticket_events_20%'") == [(0,)]
    assert _rows(history_db, "SELECT pg_get_serial_sequence('ticket_events', 'id')") == [("public.ticket_events_id_seq",)]
    upgrade(history_db)
    assert _kind(history_db) == "p" and _rows(history_db, EVENTS) == before


def events(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", "events", *args], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, DATABASE_URL=url), timeout=120)


def test_command_line_lists_ensures_and_detaches_months(history_db):
    upgrade(history_db)
    far = _month_start(NOW, 6) + timedelta(days=2)  # beyond the months made ahead: into the default partition
    with session_scope() as s:
        ticket_id = s.scalar(text("SELECT id FROM tickets ORDER BY id LIMIT 1"))
        s.execute(text("INSERT INTO ticket_events (ticket_id, at, kind) VALUES (:t, :at, 'comment')"),
                  {"t": ticket_id, "at": far})
    assert _rows(history_db, "SELECT count(*) FROM ticket_events_default") == [(1,)]

    listed = events(history_db, "list")
    assert listed.returncode == 0, listed.stderr
    assert "ticket_events_2024_01\t2024-01\t" in listed.stdout and "ticket_events_default\tdefault" in listed.stdout

    ensured = events(history_db, "ensure", "--ahead", "7")
    assert ensured.returncode == 0, ensured.stderr
    assert f"ticket_events_{far:%Y_%m}" in ensured.stdout
    assert _rows(history_db, "SELECT count(*) FROM ticket_events_default") == [(0,)]
    assert _rows(history_db, "SELECT tableoid::regclass::text FROM ticket_events WHERE at = :at", at=far) == \
        [(f"ticket_events_{far:%Y_%m}",)]
    assert events(history_db, "ensure").stdout.strip() == "every partition exists"

    detached = events(history_db, "detach", "2024-01")
    assert detached.returncode == 0, detached.stderr
    assert "pg_dump -t ticket_events_2024_01" in detached.stdout
    assert _rows(history_db, "SELECT count(*) FROM ticket_events WHERE at < '2024-02-01'") == [(0,)]
    assert _rows(history_db, "SELECT count(*) FROM ticket_events_2024_01") == [(2,)]  # kept, to archive

    for month in (f"{NOW:%Y-%m}", "2024-13", "2023-05"):  # the current month, no such month, no partition
        refused = events(history_db, "detach", month)
        assert refused.returncode == 2 and refused.stderr.startswith("error:"), (month, refused.stderr)
    assert f"ticket_events_{NOW:%Y_%m}" in events(history_db, "list").stdout


def test_the_daily_job_creates_the_coming_months(history_db):
    upgrade(history_db)
    from data.ops import event_partitions
    with session_scope() as s:
        made = event_partitions.ensure(s, now=_month_start(NOW, 5))
    assert made == [f"ticket_events_{_month_start(NOW, n):%Y_%m}" for n in (5, 6, 7, 8)]  # the month "now" and three ahead
    from data import jobs
    assert "event_partitions" in jobs.app.tasks
