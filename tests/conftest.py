"""Test fixtures: every test session gets its own PostgreSQL database, created and dropped here.

With DATABASE_URL set, the database is created on that server; without it, on the embedded
PostgreSQL (pgserver). Service tests run inside a transaction that is rolled back. The web app is
built by the factory from a test configuration that names that database.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import urllib.request
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from data import db
from data.config import Config
from data.ops.scratch import scratch_database

# The tests' known answers are in Moscow time; a test about another zone sets OKNO_TIMEZONE itself.
os.environ["OKNO_TIMEZONE"] = "Europe/Moscow"
# Outside demo mode Okno refuses a missing or weak key; the tests (and the workers they start) use this one.
TEST_SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnop"
os.environ.setdefault("SECRET_KEY", TEST_SECRET_KEY)


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    return db.normalise_url(url) if url else db.embedded_url()


@contextmanager
def own_database(prefix: str):
    """A migrated database of its own, (url, engine), dropped afterwards: for tests that commit what the shared
    test database must not see, or that run processes of their own against it."""
    with scratch_database(_server_url(), prefix) as url:
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def database_url():
    with scratch_database(_server_url(), "okno_test", use=True) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    return db.get_engine()


@pytest.fixture
def session(engine):
    """A session in a transaction that is rolled back after the test: tests don't see each other."""
    connection = engine.connect()
    outer = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def sla_by_hand(monkeypatch):
    """For tests whose SLA outcomes are written by hand (tests/metrics_history.sla_outcome): the SLA engine sees
    no policies, as in a database of their own. Without this, a policy another test committed to this process's
    database makes the engine recompute a ticket's outcomes when it changes (a move, an answered question) and
    wipe the hand-written ones: the figures then depend on which test files ran first."""
    from data.sla import policies
    monkeypatch.setattr(policies, "for_session", lambda session: policies.PolicySet([]))


@pytest.fixture(scope="session")
def test_config(database_url) -> Config:
    return dataclasses.replace(Config(), database_url=database_url, secret_key=TEST_SECRET_KEY)


@pytest.fixture(scope="session")
def app(test_config):
    """The web app (Flask server; its Dash app in .extensions["dash"]), one per test process.

    create_app may be called again in the same process (each app takes its own copy of the Dash
    callbacks), but the database engine is per process: a second app must name the same database."""
    from app import create_app
    server = create_app(test_config)
    server.config["TESTING"] = True
    return server


@pytest.fixture
def client(app):
    """A browser without cookies: a fresh Flask test client per test."""
    with app.test_client() as c:
        yield c


@pytest.fixture(scope="session")
def live_server(app):
    """The factory-built test app served over HTTP on a free port (threaded, in this process); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    urllib.request.urlopen(base + "/healthz", timeout=10)  # listening and answering before the first test
    yield base
    server.shutdown()
    thread.join(10)
