"""Test fixtures: every test session gets its own PostgreSQL database, created and dropped here.

With DATABASE_URL set, the database is created on that server; without it, on the embedded
PostgreSQL (pgserver). Service tests run inside a transaction that is rolled back.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data import db
from data.migrate import upgrade


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    return db.normalise_url(url) if url else db.embedded_url()


@contextmanager
def scratch_database(server_url: str, prefix: str):
    """A migrated database of its own on the server of `server_url`, dropped afterwards; yields its URL."""
    server = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    previous = os.environ.get("DATABASE_URL")
    with scratch_database(_server_url(), "okno_test") as url:
        os.environ["DATABASE_URL"] = url
        db.reset_engine()
        yield url
        db.reset_engine()
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous


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
