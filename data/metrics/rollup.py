"""The analytics rollup (analytics_daily, analytics_dist, their smaller tables in data/metrics/rollup_tables.py,
Before / after's analytics_monthly kept by data/metrics/monthly.py, flow efficiency's, the SLEs' and
satisfaction's tables kept by data/metrics/rollup_flow.py and rollup_csat.py): built once, then kept up to
date incrementally.

Everything in it is a sum over tickets of what each ticket's state contributes, so `rebuild` aggregates
the whole history and `refresh` redoes only the tickets with events recorded since the last refresh: it
subtracts what they contributed when last counted and adds what they contribute now
(data/metrics/rollup_delta.py) — a reassignment moves all of a ticket's counts, a move adds a few. The job
worker (data/jobs.py) refreshes it every 30 seconds. Pages read it when it exists and the filter has no
request-type condition (the rollup has no request-type dimension); otherwise they compute from the events
directly. Both give the same numbers (tests/test_metrics_rollup_random.py), and a refresh leaves the same
rows as a full build (tests/test_metrics_rollup_delta.py).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics import (monthly, rollup_bulk, rollup_csat, rollup_delta, rollup_flow, rollup_flow_delta,
                          rollup_history, rollup_side, rollup_tables)
from data.metrics.filters import TicketFilter
from data.metrics.rollup_rows import UNNUMBERED, aggregate

# Rebuild and refresh read one snapshot of the tickets (docs/analytics.md): db.session_scope(ROLLUP_ISOLATION).
ROLLUP_ISOLATION = "REPEATABLE READ"
SIDE = True  # a full build uses a second connection when it can (data/metrics/rollup_side.py)
log = logging.getLogger(__name__)


def _mark(session: Session, last_event_id: int, as_of: datetime) -> None:
    """Record the refresh. `as_of` is taken before the events were read, so every event committed before
    it is in the figures: the pages' "as of" never claims more than the rollup holds."""
    session.execute(text("""
        INSERT INTO analytics_state (id, refreshed_at, last_event_id) VALUES (1, :at, :e)
        ON CONFLICT (id) DO UPDATE SET refreshed_at = :at, last_event_id = :e"""),
                    {"e": last_event_id, "at": as_of})


def _now(session: Session) -> datetime:
    return session.execute(text("SELECT clock_timestamp()")).scalar()


def rebuild(session: Session) -> None:
    """Aggregate the whole history (first run, or after bulk loads that bypass events). Run it in a
    REPEATABLE READ transaction (db.session_scope(ROLLUP_ISOLATION)) while tickets may change: every
    statement then reads the same snapshot, so what analytics_tickets remembers is what was counted."""
    as_of = _now(session)
    rollup_bulk.tune(session)
    # The one ordered pass over the events and what reads it (flow efficiency and the SLEs), the remembered ticket
    # states and the satisfaction counts are computed on a second connection meanwhile (the server's other core):
    # nothing else of the build waits for them. Here, analytics_daily and analytics_dist, then the tables made from
    # them (their millions of rows are written where they are computed, not copied across).
    side = rollup_side.open_side(session) if SIDE else None
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    session.execute(text("TRUNCATE analytics_daily, analytics_dist"))
    try:
        if side is not None:
            rollup_history.create(session, side)
            rollup_flow.build_rows(session, side)
            rollup_delta.remember_all(session, side)
            rollup_csat.build_rows(session, side)
        # The tables are written whole: their indexes are built once afterwards, not row by row.
        with rollup_bulk.without_indexes(session, "analytics_daily", "analytics_dist"):
            if side is None:
                rollup_history.create(session)  # analytics_daily's resolutions read it too
                aggregate(session, "analytics_daily", "analytics_dist")
            else:  # numbering the events themselves, as a refresh does
                aggregate(session, "analytics_daily", "analytics_dist", UNNUMBERED)
        for table in ("analytics_daily", "analytics_dist"):
            session.execute(text(f"ANALYZE {table}"))  # fresh statistics: the planner saw an empty table
        rollup_tables.build(session)
        monthly.rebuild(session)  # from the smaller tables
        with rollup_bulk.without_indexes(session, "analytics_tickets", *rollup_flow.TABLES, *rollup_csat.TABLES):
            rollup_flow.truncate(session)
            if side is None:
                rollup_delta.remember_all(session)
                rollup_flow.build_rows(session)
                rollup_history.drop(session)
                rollup_csat.build_rows(session)
            else:
                side.finish()  # copies the second connection's rows in
            rollup_flow.build_coarse(session)
            rollup_csat.build_coarse(session)
    except BaseException:
        if side is not None:
            side.abandon()
        raise
    session.execute(text("ANALYZE analytics_tickets"))
    rollup_flow.analyze(session)
    _mark(session, last, as_of)


def refresh(session: Session, timings: dict | None = None) -> int:
    """Bring the rollup up to date with events since the last refresh; returns the number of tickets redone
    (-1 after a first full build). `timings` (a dict) collects the seconds each step took."""
    state = session.execute(text("SELECT last_event_id, refreshed_at FROM analytics_state WHERE id = 1 FOR UPDATE")
                            ).first()
    if state is None or refreshed_at(session) is None:
        rebuild(session)
        return -1
    as_of = _now(session)
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    redone = rollup_delta.refresh(session, state[0], timings)
    # Flow efficiency and the SLEs follow the same tickets, from the scratch states rollup_delta left.
    started = time.perf_counter()
    if redone:
        rollup_flow_delta.refresh(session)
    if timings is not None:
        timings["flow, SLEs"] = round(time.perf_counter() - started, 3)
    # Satisfaction redoes the days whose questions changed (ratings are answered without a ticket event).
    started = time.perf_counter()
    rollup_csat.refresh(session, state[1], redone > 0)
    if timings is not None:
        timings["satisfaction"] = round(time.perf_counter() - started, 3)
    _mark(session, max(last, state[0]), as_of)
    return redone


def refreshed_at(session: Session) -> datetime | None:
    """When the rollup was last brought up to date; None when there is none yet."""
    tables = " AND ".join(f"to_regclass('{name}') IS NOT NULL" for name in rollup_tables.TABLES)  # all of them:
    return session.execute(text(f"""
        SELECT refreshed_at FROM analytics_state WHERE id = 1 AND {tables}""")).scalar()  # older code built fewer


def usable(session: Session, f: TicketFilter) -> bool:
    """Read the rollup for this filter? Only when it exists and the filter has no request type."""
    return not f.type and refreshed_at(session) is not None


def drop(session: Session) -> None:
    """Forget the rollup: pages compute live again until the next rebuild."""
    rollup_tables.drop(session)
    for table in (*rollup_flow.TABLES, *rollup_csat.TABLES, "analytics_daily", "analytics_dist", "analytics_monthly",
                  "analytics_tickets", "analytics_state"):
        session.execute(text(f"DELETE FROM {table}"))
