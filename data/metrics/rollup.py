"""The analytics rollup (analytics_daily, analytics_dist, their smaller tables in data/metrics/rollup_tables.py,
and Before / after's analytics_monthly kept by data/metrics/monthly.py): built once, then kept up to date
incrementally.

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
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.models.analytics import (CREATED, CYCLE_HOURS, FIRST_RESPONSE_MINUTES, LEAD_HOURS, REOPENS, RESOLVED,
                                   STATUS_NET)
from data.metrics import monthly, rollup_delta, rollup_tables
from data.metrics.filters import TicketFilter
from data.metrics.sql import DIMS as DIM_NAMES, minutes, resolution_rows
from data.tickets.status import STATUSES, placed, reopened

# Rebuild and refresh read one snapshot of the tickets (docs/analytics.md): db.session_scope(ROLLUP_ISOLATION).
ROLLUP_ISOLATION = "REPEATABLE READ"
log = logging.getLogger(__name__)
DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
_DAY = "({col} AT TIME ZONE :tz)::date"

_HOURS = ", ".join(f"count(*) FILTER (WHERE x.hr = {h})" for h in range(24))
# Zero, not NULL, for a status nobody entered or left (a refresh adds these arrays element by element), and no
# row at all when the day's moves cancel out: the same rows whichever way they were reached.
_NET = ", ".join(f"coalesce(sum(x.d) FILTER (WHERE x.status = '{s}'), 0)" for s in STATUSES)
_ALWAYS = {"lo": "'-infinity'::timestamptz", "hi": "'infinity'::timestamptz"}

# Each statement aggregates the tickets of `{tickets}` with their events `{events}` and SLA outcomes `{sla}`
# into `{daily}` and `{dist}`: the whole history into analytics_daily and analytics_dist, or a few tickets'
# states (as they are now, as they were last counted) into scratch tables (data/metrics/rollup_delta.py).
STATEMENTS = [
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, created, created_hours)
    SELECT {CREATED}, x.day, {DIMS}, count(*), ARRAY[{_HOURS}]
    FROM (SELECT {_DAY.format(col="t.created_at")} AS day, extract(hour FROM t.created_at AT TIME ZONE :tz)::int AS hr,
                 {_T} FROM {{tickets}} t) AS x
    GROUP BY x.day, {DIMS}""",
    # Resolutions: counts with the cycle's SLA outcome, and the exact cycle and lead time distributions.
    f"""WITH r AS MATERIALIZED (SELECT {_DAY.format(col="x.done_at")} AS day, x.*
                            FROM ({resolution_rows("TRUE", _ALWAYS["lo"], _ALWAYS["hi"], tickets="{tickets}",
                                                   events="{events}", sla="{sla}", number="NULL::int")}) AS x),
    counts AS (INSERT INTO {{daily}} (stream, day, {DIMS}, resolved, resolved_sla_met, resolved_sla_breached)
               SELECT {RESOLVED}, x.day, {DIMS}, count(*), count(*) FILTER (WHERE x.sla_met = 1),
                      count(*) FILTER (WHERE x.sla_met = 0)
               FROM r AS x GROUP BY x.day, {DIMS})
    INSERT INTO {{dist}} (metric, day, value, {DIMS}, n)
    SELECT v.metric, x.day, v.value, {DIMS}, count(*)
    FROM r AS x CROSS JOIN LATERAL (VALUES ({CYCLE_HOURS}, x.cycle_hours), ({LEAD_HOURS}, x.lead_hours)) AS v(metric, value)
    GROUP BY v.metric, x.day, v.value, {DIMS}""",
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, reopens)
    SELECT {REOPENS}, x.day, {DIMS}, count(*)
    FROM (SELECT {_DAY.format(col="e.at")} AS day, {_T} FROM {{events}} e JOIN {{tickets}} t ON t.id = e.ticket_id
          WHERE {reopened('e')}) AS x
    GROUP BY x.day, {DIMS}""",
    # Entries into (+1) and exits from (−1) each status: the number in a status at the end of a day is the
    # running sum up to that day, whatever direction the cards moved in.
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, status_net)
    SELECT {STATUS_NET}, x.day, {DIMS}, ARRAY[{_NET}]::int[]
    FROM (SELECT {_DAY.format(col="e.at")} AS day, s.status, s.d, {_T}
          FROM {{events}} e JOIN {{tickets}} t ON t.id = e.ticket_id
          CROSS JOIN LATERAL (VALUES (e.to_status, 1), (e.from_status, -1)) AS s(status, d)
          WHERE {placed('e')} AND s.status IS NOT NULL) AS x
    GROUP BY x.day, {DIMS} HAVING NOT (0 = ALL(ARRAY[{_NET}]))""",
    # First responses, on the day the first public reply was made.
    f"""INSERT INTO {{dist}} (metric, day, value, {DIMS}, n, breached)
    SELECT {FIRST_RESPONSE_MINUTES}, x.day, x.value, {DIMS}, count(*), count(*) FILTER (WHERE x.breached)
    FROM (SELECT {_DAY.format(col="t.first_response_at")} AS day, {minutes("t.created_at", "t.first_response_at")} AS value,
                 EXISTS (SELECT 1 FROM {{sla}} s WHERE s.ticket_id = t.id AND s.target = 'first_response'
                         AND s.cycle = 1 AND s.breached) AS breached, {_T}
          FROM {{tickets}} t WHERE t.first_response_at IS NOT NULL) AS x
    GROUP BY x.day, x.value, {DIMS}""",
]
LIVE = {"tickets": "tickets", "events": "ticket_events", "sla": "ticket_sla"}


def aggregate(session: Session, daily: str, dist: str, sources: dict = LIVE) -> None:
    """Aggregate the tickets of `sources` (relations shaped like tickets, ticket_events, ticket_sla) into
    the tables `daily` and `dist` (shaped like analytics_daily and analytics_dist)."""
    params = {"tz": get_config().timezone}
    for sql in STATEMENTS:
        session.execute(text(sql.format(daily=daily, dist=dist, **sources)), params)


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
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    session.execute(text("TRUNCATE analytics_daily, analytics_dist"))
    aggregate(session, "analytics_daily", "analytics_dist")
    rollup_delta.remember_all(session)
    session.execute(text("ANALYZE analytics_daily"))  # fresh statistics: the planner saw an empty table
    session.execute(text("ANALYZE analytics_dist"))
    rollup_tables.build(session)
    monthly.rebuild(session)  # from the smaller tables
    _mark(session, last, as_of)


def refresh(session: Session, timings: dict | None = None) -> int:
    """Bring the rollup up to date with events since the last refresh; returns the number of tickets redone
    (-1 after a first full build). `timings` (a dict) collects the seconds each step took."""
    state = session.execute(text("SELECT last_event_id FROM analytics_state WHERE id = 1 FOR UPDATE")).first()
    if state is None or refreshed_at(session) is None:
        rebuild(session)
        return -1
    as_of = _now(session)
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    redone = rollup_delta.refresh(session, state[0], timings)
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
    for table in ("analytics_daily", "analytics_dist", "analytics_monthly", "analytics_tickets", "analytics_state"):
        session.execute(text(f"DELETE FROM {table}"))
