"""Background work on procrastinate's job queue (its tables are in our PostgreSQL: migration jobs_0001).

`app` is the queue; `python -m ingest worker` runs it (the channel jobs live in ingest/worker.py).
Each task is thin: one service call in a transaction of its own. Periodic jobs are deferred by every
worker's scheduler, but the database accepts each (task, minute) once, so N workers on N hosts run
each tick once; `lock=` makes two runs of the same job wait for each other instead of overlapping,
and `queueing_lock=` keeps a slow job from piling up copies of itself in the queue.

Nothing connects at import: the connector reads the database URL (data.db) when the app is opened
or a job is deferred. To defer in the caller's transaction, use `defer(session, task, **kwargs)`.
"""
from __future__ import annotations

import logging
from typing import Any

import procrastinate
from sqlalchemy.orm import Session

from data import db

log = logging.getLogger(__name__)
EVERY_MINUTE = "* * * * *"
EVERY_30_SECONDS = "* * * * * */30"  # seconds are the 6th field


def conninfo() -> str:
    """libpq's URI for the configured database (SQLAlchemy's `+psycopg` driver suffix removed)."""
    url = db.database_url()
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# How long a worker waits out a database that went away (a restart, a failover) before giving up: 0.5 s,
# then longer, about five minutes in all.
PATIENCE = (0.5, 1, 2, 4, 8, 15, 30, 30, 30, 30, 30, 30, 30, 30)


class _LazyConnector(procrastinate.PsycopgConnector):
    """PsycopgConnector whose conninfo is read when first needed, not at import, and that outlasts a
    database restart: each query of the worker's own (fetch a job, finish it, heartbeat, LISTEN) is tried
    again while the database is unreachable, instead of failing the job or stopping the worker.

    procrastinate hands its stored pool arguments (`_pool_args`) to the async pool on open and to the
    sync connector it makes for deferring outside a worker; the conninfo is added to them there."""

    def _with_conninfo(self) -> None:
        self._pool_args.setdefault("conninfo", conninfo())

    async def open_async(self, pool=None) -> None:
        self._with_conninfo()
        await super().open_async(pool)  # its pool checks a connection on checkout (like pool_pre_ping)

    def get_sync_connector(self):
        self._with_conninfo()
        return super().get_sync_connector()

    async def _patiently(self, query, *args, **kwargs):
        import asyncio
        for wait in (*PATIENCE, None):
            try:
                return await query(*args, **kwargs)
            except Exception as err:
                if wait is None or not db.unreachable(err):
                    raise
                log.warning("job queue: database unreachable (%s); trying again in %s s", type(err).__name__, wait)
                await asyncio.sleep(wait)

    async def execute_query_async(self, query, **arguments):
        return await self._patiently(super().execute_query_async, query, **arguments)

    async def execute_query_one_async(self, query, **arguments):
        return await self._patiently(super().execute_query_one_async, query, **arguments)

    async def execute_query_all_async(self, query, **arguments):
        return await self._patiently(super().execute_query_all_async, query, **arguments)

    async def listen_notify(self, on_notification, channels) -> None:
        # procrastinate reconnects a LISTEN whose connection died, but fails when the database is still down.
        await self._patiently(super().listen_notify, on_notification, channels)


class LostDatabase(procrastinate.BaseRetryStrategy):
    """A job cut off by a lost database runs again (its transaction was rolled back with the connection);
    any other failure is final, as before. Given to every task that has no retry strategy of its own."""

    def get_retry_decision(self, *, exception: BaseException, job) -> procrastinate.RetryDecision | None:
        if not db.unreachable(exception) or job.attempts >= len(PATIENCE):
            return None
        return procrastinate.RetryDecision(retry_in={"seconds": PATIENCE[job.attempts]})


def retry_on_lost_database() -> None:
    """Every registered task without a retry strategy gets LostDatabase (the worker calls this once every
    task module, extensions included, is imported)."""
    for task in app.tasks.values():
        if task.retry_strategy is None:
            task.retry_strategy = LostDatabase()


app = procrastinate.App(connector=_LazyConnector(), worker_defaults={"delete_jobs": "successful"})


def periodic(name: str, cron: str = EVERY_MINUTE):
    """A task deferred on `cron` (seconds are an optional 6th field) that never runs twice at once."""
    def register(fn):
        task = app.task(name=name, lock=name, queueing_lock=name, pass_context=False)(fn)
        return app.periodic(cron=cron, periodic_id=name)(task)
    return register


def defer(session: Session, task_name: str, **kwargs: Any) -> int:
    """Queue a job in the session's transaction: it exists if and only if the caller commits."""
    raw = session.connection().connection.driver_connection  # the psycopg connection under the session
    return app.configure_task(task_name, connection=raw).defer(**kwargs)


# ---- the periodic work of data/ ----

@periodic("analytics_rollup", EVERY_30_SECONDS)
def analytics_rollup(timestamp: int) -> None:
    """The analytics rollup, brought up to date every 30 seconds, so pages are at most a minute old
    (data/metrics/freshness.py says how old)."""
    from data.metrics import rollup
    with db.session_scope(rollup.ROLLUP_ISOLATION) as s:
        log.info("analytics rollup: %s tickets redone", rollup.refresh(s))


@periodic("scheduler_tick")
def scheduler_tick(timestamp: int) -> None:
    """SLA at-risk and breach signals, time-based rules and the Monday weekly summary."""
    from data.automation import scheduler
    with db.session_scope() as s:
        counts = scheduler.tick(s)
    if any(counts.values()):
        log.info("scheduler tick: %s", counts)


@periodic("recurring_requests")
def recurring_requests(timestamp: int) -> None:
    """Recurring requests whose date has come, filed once each (data/intake/recurring.py)."""
    from data.intake import recurring
    with db.session_scope() as s:
        filed = recurring.file_due(s)
    if filed:
        log.info("recurring requests: %s filed", filed)


@periodic("event_partitions", "17 3 * * *")
def event_partitions(timestamp: int) -> None:
    """Daily: this month's partition of ticket_events and the next three exist before events arrive in them
    (data/ops/event_partitions.py); otherwise they would land in the default partition."""
    from data.ops import event_partitions as partitions
    with db.session_scope() as s:
        made = partitions.ensure(s)
    if made:
        log.info("event partitions created: %s", ", ".join(made))
