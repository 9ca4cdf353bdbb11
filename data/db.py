"""Engine and session factory; the embedded PostgreSQL used when DATABASE_URL is unset.

The session's lifetime belongs to the caller: `with session_scope() as s: tickets.move(s, ...)`.
Engines are created lazily so that gunicorn can fork before any pooled connection exists.
The URL comes from the configuration: the web app's factory passes its own (`configure`), workers
and the CLI read the environment's (`get_config()`) when the engine is first needed.
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from data.config import Config, get_config

log = logging.getLogger(__name__)

# Alembic-friendly constraint names from the first migration on.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None
_config: Config | None = None  # set by configure(); None: get_config() when the engine is made


def configure(config: Config) -> None:
    """Take the database from `config` (the app factory's) from now on; connects nothing.

    The engine is one per process (services open sessions without an app at hand), so the last
    configuration given wins; an engine already made for another URL is dropped."""
    global _config
    url = _url_of(config)
    if _engine is not None and (url is None or _engine.url != make_url(url)):
        reset_engine()
    _config = config


def embedded_url() -> str:
    """Start (or reuse) the private PostgreSQL cluster under ./.okno and return its URL."""
    import pgserver  # imported lazily: production never needs it

    cfg = _config or get_config()
    cfg.embedded_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(cfg.embedded_dir / "pg"), cleanup_mode=None)
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/path/to/socket
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _url_of(config: Config) -> str | None:
    return normalise_url(config.database_url) if config.database_url else None


def database_url() -> str:
    url = _url_of(_config or get_config())
    if url:
        return url
    url = embedded_url()
    os.environ["DATABASE_URL"] = url  # child processes (workers, gunicorn) reuse the same cluster
    return url


def get_engine() -> Engine:
    global _engine, _factory
    if _engine is None:
        _engine = create_engine(database_url(), pool_pre_ping=True, pool_size=5, max_overflow=10)
        _factory = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def reset_engine() -> None:
    """Forget the engine and any configured URL (tests point DATABASE_URL at a fresh database)."""
    global _engine, _factory, _config
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _factory = None
    _config = None


def SessionFactory() -> sessionmaker[Session]:
    get_engine()
    assert _factory is not None
    return _factory


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: commit on success, roll back on error."""
    with SessionFactory().begin() as session:
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for reads; nothing is committed."""
    session = SessionFactory()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()



def require_row(session, model, row_id: int, message: str, **values):
    """The row with this id, or NotFound(message) — for an edit form whose row someone else deleted."""
    from data.errors import NotFound
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(message, **values)
    return row
