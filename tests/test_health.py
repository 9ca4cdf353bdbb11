"""Probes a load balancer asks: /healthz (the process answers) and /readyz (database, migrations, job queue)."""
from __future__ import annotations

from sqlalchemy import create_engine

from data.ops import health
from data.migrate import upgrade
from data.ops.scratch import scratch_database


def test_readyz_is_ready_on_a_migrated_database_without_signing_in(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "job_queue": "ok"}}
    assert client.get("/healthz").get_json() == {"ok": True}


def test_a_database_behind_the_code_is_not_ready_and_says_which_migration(database_url):
    with scratch_database(database_url, "okno_behind", migrate=False) as url:
        upgrade(url, "weekly_0001")  # an install that skipped this release's migrations
        engine = create_engine(url)
        try:
            result = health.readiness(engine)
        finally:
            engine.dispose()
    assert result["ready"] is False
    assert result["checks"]["database"] == "ok"
    assert result["checks"]["migrations"] == f"at weekly_0001, code needs {health.code_head()}"
    assert result["checks"]["job_queue"] != "ok"  # procrastinate's tables come with a later migration


def test_an_unreachable_database_is_not_ready_and_nothing_raises():
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing", connect_args={"connect_timeout": 2})
    result = health.readiness(engine)
    assert result["ready"] is False and result["checks"]["database"].startswith("unreachable")
    engine.dispose()


def test_a_database_down_answers_503_from_readyz(app, monkeypatch):
    down = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing", connect_args={"connect_timeout": 2})
    monkeypatch.setattr(health.db, "get_engine", lambda: down)
    with app.test_client() as client:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["ready"] is False
        assert client.get("/healthz").status_code == 200  # alive: it will recover when the database does
    down.dispose()
