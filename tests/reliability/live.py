"""Okno served by gunicorn on loopback from a database of its own, with two teams' boards and tickets, an admin
and a requester: for tests that talk HTTP to the real server (callback fuzzing, cut database connections).
The server's log is kept, so a test can count the errors it logged."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.live_app import serve
from data import db
from data.ops.scratch import scratch_database
from tests import factories as f


def server_url() -> str:
    return db.normalise_url(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))


def build_world(url: str) -> dict:
    """Team A's and team B's boards, agents and tickets (tests/security's world), committed; and an admin."""
    from tests.security.test_team_boundaries import build
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            w = build(s, lines=False)
            admin = f.user(s, "admin")
            manager = f.user(s, "manager", w["team_a"])
            s.commit()
            return {"admin": admin.email, "manager": manager.email, "agent_a": w["agent_a"].email,
                    "agent_b": w["agent_b"].email, "board_a": w["board_a"].id, "board_b": w["board_b"].id,
                    "ticket_a": w["ticket_a"].id, "ticket_b": w["ticket_b"].id,
                    "number_a": w["ticket_a"].number, "number_b": w["ticket_b"].number,
                    "version_a": w["ticket_a"].version,
                    "queue_a": f.column(w["board_a"], "queue").id, "done_a": f.column(w["board_a"], "done").id,
                    "progress_a": f.column(w["board_a"], "in_progress").id,
                    "done_b": f.column(w["board_b"], "done").id, "item_b": w["item_b"].id,
                    "password": f.PASSWORD}
    finally:
        engine.dispose()


@contextmanager
def live_okno(tmp: Path, prefix: str, app_name: str, workers: int = 2, threads: int = 8):
    """(base URL, world, scratch database URL, log path) of a served Okno with a fresh world."""
    with scratch_database(server_url(), prefix) as url:
        world = build_world(url)
        log = tmp / "gunicorn.log"
        with serve(url, workers=workers, threads=threads, app_name=app_name, log_path=log) as base:
            yield base, world, url, log


def terminate(url: str, app_name: str) -> int:
    """Cut every connection of `app_name` to this database, as a restart or a failover would. How many."""
    # From the server's maintenance database: this one may be refusing connections (an outage test).
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            return len(c.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a "
                "AND datname = :d AND pid <> pg_backend_pid()"), {"a": app_name, "d": target.database}).all())
    finally:
        admin.dispose()
