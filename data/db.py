"""Engine and session factory; the embedded PostgreSQL used when DATABASE_URL is unset.

The session's lifetime belongs to the caller: `with session_scope() as s: tickets.move(s, ...)`.
Engines are created lazily so that gunicorn can fork before any pooled connection exists.
The URL comes from the configuration: the web app's factory passes its own (`configure`), workers
and the CLI read the environment's (`get_config()`) when the engine is first needed.
"""
from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator, TypeVar

import psycopg
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
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
_replica: tuple[str, sessionmaker[Session]] | None = None  # (its URL, its sessions), made on first use
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
        _engine = _new_engine(database_url())
        _factory = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def _new_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    event.listen(engine, "connect", _without_jit)
    return engine


def _without_jit(dbapi_connection, _record) -> None:
    """No JIT compilation on Okno's connections: its statements take milliseconds to a few hundred, and at a
    million tickets PostgreSQL's cost estimates set the compiler off on some of them (0.1–0.35 s compiling a
    cycle-time chart's query that then runs in 0.3 s); the rollup's build had already turned it off.

    A SET on the new connection, outside any transaction (a rollback would undo it), rather than a startup
    option: PgBouncer refuses startup options it does not track."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


def reset_engine() -> None:
    """Forget the engine and any configured URL (tests point DATABASE_URL at a fresh database)."""
    global _engine, _factory, _config
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _factory = None
    _config = None
    _reset_replica()


def _reset_replica() -> None:
    global _replica
    if _replica is not None:
        _replica[1].kw["bind"].dispose()
    _replica = None


def current_config() -> Config:
    """The configuration the engines follow (the app factory's, or the environment's)."""
    return _config or get_config()


def _replica_factory() -> sessionmaker[Session] | None:
    """Sessions on DATABASE_REPLICA_URL (lazily, after any fork, like the primary's), or None when unset."""
    global _replica
    url = current_config().database_replica_url
    if not url:
        _reset_replica()
        return None
    url = normalise_url(url)
    if _replica is None or _replica[0] != url:
        _reset_replica()
        engine = _new_engine(url)
        _replica = (url, sessionmaker(engine, expire_on_commit=False))
    return _replica[1]


def SessionFactory() -> sessionmaker[Session]:
    get_engine()
    assert _factory is not None
    return _factory


@contextmanager
def session_scope(isolation_level: str | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error. `isolation_level` (e.g. "REPEATABLE READ":
    every statement reads the same snapshot) applies to this transaction only."""
    began = _writes.get()
    if began is not None:
        began.append(True)  # retry_reads must not run this work again
    with SessionFactory().begin() as session:
        if isolation_level:
            session.connection(execution_options={"isolation_level": isolation_level})
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


@contextmanager
def replica_session() -> Iterator[Session]:
    """A read-only session on the read replica (DATABASE_REPLICA_URL) — for analytics and exports, the long
    reads that would otherwise compete with agents' writes on the primary; the primary when none is set.
    Its data may be a moment behind the primary: never read here what the same request has just written."""
    factory = _replica_factory()
    if factory is None:
        with read_session() as session:
            yield session
        return
    session = factory()
    try:
        session.connection(execution_options={"postgresql_readonly": True})
        yield session
    finally:
        session.rollback()
        session.close()



MAX_ID = 2 ** 31 - 1  # ids and numbers are PostgreSQL integers


def as_id(value) -> int | None:
    """`value` as a row id or number a query can use (1 … 2^31−1), or None: what a forged request sends in
    its place (a string, a list, 10^20, true) finds nothing, instead of failing inside the database."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= MAX_ID else None


def require_row(session, model, row_id: int, message: str, **values):
    """The row with this id, or NotFound(message) — for an edit form whose row someone else deleted."""
    from data.errors import NotFound
    row_id = as_id(row_id)
    row = session.get(model, row_id) if row_id is not None else None
    if row is None:
        raise NotFound(message, **values)
    return row


# ---- a database that went away ----

T = TypeVar("T")
# SQLSTATEs of a server that cut the connection or takes none: admin_shutdown (pg_terminate_backend, a fast
# shutdown), crash_shutdown, cannot_connect_now (starting up), too_many_connections (every slot taken);
# class 08 is "connection exception".
_GONE = {"57P01", "57P02", "57P03", "53300"}
_writes: ContextVar[list | None] = ContextVar("okno_write_transactions", default=None)


def unreachable(err: BaseException | None) -> bool:
    """Did this fail because the database could not be reached — down, restarting, the connection cut?

    Not a statement timeout, a deadlock or a lock wait: psycopg calls those OperationalError too, but the
    database answered them."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
            return True
        if isinstance(err, psycopg.OperationalError):
            state = err.sqlstate
            if state is None or state.startswith("08") or state in _GONE:
                return True
        err = getattr(err, "orig", None) or err.__cause__ or err.__context__
    return False


def retry_reads(run: Callable[[], T]) -> T:
    """`run()`, and once more if the database connection dropped while it only read.

    A read is idempotent: the second run answers what the first would have (the pool has dropped the cut
    connection, and pool_pre_ping replaces any other that died meanwhile). Work that opened a write
    transaction (session_scope) is never repeated here: its outcome reaches the caller, who says that
    nothing was changed."""
    began: list = []
    token = _writes.set(began)
    try:
        try:
            return run()
        except Exception as err:
            if began or not unreachable(err):
                raise
            log.warning("database connection dropped during a read; reading once more: %s", err)
        began.clear()
        return run()
    finally:
        _writes.reset(token)


def retry_transaction(work: Callable[[Session], T], *, waits: tuple[float, ...] = (0.5, 1, 2, 4, 8, 15, 30)) -> T:
    """`work(session)` in one transaction, run again while the database is unreachable (a restart, a cut
    connection), waiting a little longer each time; after the last wait the error reaches the caller.

    Only for work that is idempotent as a whole, such as taking in a message deduplicated by its id: a
    connection cut during COMMIT leaves the outcome unknown, and the next run must find it done."""
    for wait in (*waits, None):
        try:
            with session_scope() as s:
                return work(s)
        except Exception as err:
            if wait is None or not unreachable(err):
                raise
            log.warning("database unreachable (%s); trying again in %s s", type(err).__name__, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")  # the loop returns or raises


def copy_out(session: Session, sql: str, params) -> Iterator[bytes]:
    """The lines of `COPY (…) TO STDOUT` on the session's connection (psycopg yields one row per chunk):
    exports stream straight from PostgreSQL, no row objects in Python."""
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(sql, params) as copy:
            for line in copy:
                yield bytes(line)


def chunked(lines: Iterator[bytes], chunk_bytes: int, progress: Callable[[int], None] | None = None,
            uncounted: int = 0) -> Iterator[bytes]:
    """`lines` joined into chunks of about `chunk_bytes`; `progress(rows_so_far)` after each chunk and at the
    end. The first `uncounted` lines (a CSV header) are sent but not counted as rows."""
    buffer, size, rows = [], 0, -uncounted
    for line in lines:
        buffer.append(line)
        size += len(line)
        rows += 1
        if size >= chunk_bytes:
            yield b"".join(buffer)
            buffer, size = [], 0
            if progress:
                progress(rows)
    if buffer:
        yield b"".join(buffer)
    if progress:
        progress(max(rows, 0))
