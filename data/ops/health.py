"""Is this Okno ready to serve? The checks a load balancer's readiness probe asks (`/readyz`): the
database answers, its schema is at the code's migration head, and the job queue's tables are there.

Liveness (`/healthz`) asks nothing of the database: a web process whose database is down is alive and
will recover; readiness is what takes it out of the pool meanwhile."""
from __future__ import annotations

import logging

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from data import db
from data.migrate import alembic_config

log = logging.getLogger(__name__)


def code_head() -> str:
    """The migration the code expects the database to be at (one line: one head)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def readiness(engine: Engine | None = None) -> dict:
    """{"ready": bool, "checks": {"database", "migrations", "job_queue": "ok" or what is wrong}}."""
    checks = {"database": "not checked", "migrations": "not checked", "job_queue": "not checked"}
    try:
        with (engine or db.get_engine()).connect() as c:
            c.execute(text("SET LOCAL statement_timeout = 2000"))  # a probe must answer quickly
            c.execute(text("SELECT 1"))
            checks["database"] = "ok"
            at = sorted(c.execute(text("SELECT version_num FROM alembic_version")).scalars()) \
                if c.execute(text("SELECT to_regclass('alembic_version')")).scalar() else []
            head = code_head()
            checks["migrations"] = "ok" if at == [head] else f"at {', '.join(at) or 'nothing'}, code needs {head}"
            queue = c.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
            checks["job_queue"] = "ok" if queue else "the job queue's tables are missing (python -m data migrate)"
    except SQLAlchemyError as err:
        checks["database"] = f"unreachable: {type(err.orig or err).__name__}"
        log.warning("readiness: database unreachable: %s", err)
    return {"ready": all(v == "ok" for v in checks.values()), "checks": checks}
