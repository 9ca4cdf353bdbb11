"""A throw-away database: created and migrated on a server, dropped afterwards (tests, benchmarks)."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data import db
from data.migrate import upgrade


@contextmanager
def scratch_database(server_url: str, prefix: str, *, use: bool = False, migrate: bool = True) -> Iterator[str]:
    """A migrated database of its own on the server of `server_url`; yields its URL and drops it after.

    With use=True, DATABASE_URL and the engine point at it meanwhile (code that calls session_scope()).
    With migrate=False it stays empty (tests of the migrations themselves).
    """
    server = make_url(db.normalise_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    previous = os.environ.get("DATABASE_URL")
    try:
        if migrate:
            upgrade(url)
        if use:
            os.environ["DATABASE_URL"] = url
            db.reset_engine()
        yield url
    finally:
        if use:
            db.reset_engine()
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
