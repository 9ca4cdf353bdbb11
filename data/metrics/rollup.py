"""The analytics rollup (analytics_daily, analytics_dist, their views, Before / after's analytics_monthly
kept by data/metrics/monthly.py, flow efficiency's, the SLEs' and satisfaction's tables kept by
data/metrics/rollup_flow.py and rollup_csat.py): built once, then kept up to date incrementally.

Everything in it is a sum over the event history of single days, so a day's rows can be rebuilt on
their own: `rebuild` aggregates the whole history, `refresh` only the local days touched by tickets
that have events recorded since the last refresh (every day each such ticket counts on: creation,
its status events, resolutions, reopens, first reply — so a reassignment moves all its counts) plus
today and yesterday. The job worker (data/jobs.py) refreshes it once a minute. Pages read it when it
exists and the filter has no request-type condition (the rollup has no request-type dimension);
otherwise they compute from the events directly. Both give the same numbers
(tests/test_metrics_rollup_random.py).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.models.analytics import (CREATED, CYCLE_HOURS, FIRST_RESPONSE_MINUTES, LEAD_HOURS, REOPENS, RESOLVED,
                                   STATUS_NET)
from data.metrics import monthly, rollup_csat, rollup_flow
from data.metrics.filters import TicketFilter
from data.metrics.sql import DIMS as DIM_NAMES, minutes, resolution_rows
from data.tickets.status import STATUSES, placed, reopened

log = logging.getLogger(__name__)
DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
_DAY = "({col} AT TIME ZONE :tz)::date"

_HOURS = ", ".join(f"count(*) FILTER (WHERE x.hr = {h})" for h in range(24))
_NET = ", ".join(f"sum(x.d) FILTER (WHERE x.status = '{s}')" for s in STATUSES)

# Each statement rebuilds its rows for the days `{days}` selects; `{lo}`/`{hi}` bound the instants
# (index-friendly, a local day is at most a day off UTC) and `{x_days}` keeps the exact local days.
STATEMENTS = [
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, created, created_hours)
    SELECT {CREATED}, x.day, {DIMS}, count(*), ARRAY[{_HOURS}]
    FROM (SELECT {_DAY.format(col="t.created_at")} AS day, extract(hour FROM t.created_at AT TIME ZONE :tz)::int AS hr,
                 {_T} FROM tickets t WHERE t.created_at >= {{lo}} AND t.created_at < {{hi}}) AS x
    WHERE {{x_days}} GROUP BY x.day, {DIMS}""",
    # Resolutions: counts with the cycle's SLA outcome, and the exact cycle and lead time distributions.
    f"""WITH r AS MATERIALIZED (SELECT {_DAY.format(col="x.done_at")} AS day, x.* FROM ({resolution_rows("TRUE", "{lo}", "{hi}")}) AS x),
    counts AS (INSERT INTO analytics_daily (stream, day, {DIMS}, resolved, resolved_sla_met, resolved_sla_breached)
               SELECT {RESOLVED}, x.day, {DIMS}, count(*), count(*) FILTER (WHERE x.sla_met = 1),
                      count(*) FILTER (WHERE x.sla_met = 0)
               FROM r AS x WHERE {{x_days}} GROUP BY x.day, {DIMS})
    INSERT INTO analytics_dist (metric, day, value, {DIMS}, n)
    SELECT v.metric, x.day, v.value, {DIMS}, count(*)
    FROM r AS x CROSS JOIN LATERAL (VALUES ({CYCLE_HOURS}, x.cycle_hours), ({LEAD_HOURS}, x.lead_hours)) AS v(metric, value)
    WHERE {{x_days}} GROUP BY v.metric, x.day, v.value, {DIMS}""",
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, reopens)
    SELECT {REOPENS}, x.day, {DIMS}, count(*)
    FROM (SELECT {_DAY.format(col="e.at")} AS day, {_T} FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
          WHERE {reopened('e')} AND e.at >= {{lo}} AND e.at < {{hi}}) AS x
    WHERE {{x_days}} GROUP BY x.day, {DIMS}""",
    # Entries into (+1) and exits from (−1) each status: the number in a status at the end of a day is the
    # running sum up to that day, whatever direction the cards moved in.
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, status_net)
    SELECT {STATUS_NET}, x.day, {DIMS}, ARRAY[{_NET}]::int[]
    FROM (SELECT {_DAY.format(col="e.at")} AS day, s.status, s.d, {_T}
          FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
          CROSS JOIN LATERAL (VALUES (e.to_status, 1), (e.from_status, -1)) AS s(status, d)
          WHERE {placed('e')} AND s.status IS NOT NULL AND e.at >= {{lo}} AND e.at < {{hi}}) AS x
    WHERE {{x_days}} GROUP BY x.day, {DIMS}""",
    # First responses, on the day the first public reply was made.
    f"""INSERT INTO analytics_dist (metric, day, value, {DIMS}, n, breached)
    SELECT {FIRST_RESPONSE_MINUTES}, x.day, x.value, {DIMS}, count(*), count(*) FILTER (WHERE x.breached)
    FROM (SELECT {_DAY.format(col="t.first_response_at")} AS day, {minutes("t.created_at", "t.first_response_at")} AS value,
                 EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.target = 'first_response'
                         AND s.cycle = 1 AND s.breached) AS breached, {_T}
          FROM tickets t WHERE t.first_response_at >= {{lo}} AND t.first_response_at < {{hi}}) AS x
    WHERE {{x_days}} GROUP BY x.day, x.value, {DIMS}""",
]


def _aggregate(session: Session, days: list[date] | None) -> None:
    """(Re)build the rows of these local days (all days when None)."""
    params: dict = {"tz": get_config().timezone}
    if days is None:
        session.execute(text("TRUNCATE analytics_daily, analytics_dist"))
        bounds = {"lo": "'-infinity'::timestamptz", "hi": "'infinity'::timestamptz", "x_days": "TRUE"}
    else:
        for table in ("analytics_daily", "analytics_dist"):
            session.execute(text(f"DELETE FROM {table} WHERE day = ANY(:days)"), {"days": days})
        bounds = {"lo": ":lo", "hi": ":hi", "x_days": "x.day = ANY(:days)"}
        params |= {"days": days,
                   "lo": datetime.combine(min(days) - timedelta(days=1), datetime.min.time(), timezone.utc),
                   "hi": datetime.combine(max(days) + timedelta(days=2), datetime.min.time(), timezone.utc)}
    for sql in STATEMENTS:
        session.execute(text(sql.format(**bounds)), params)


def _packed(column: str, n: int) -> str:
    return "ARRAY[" + ", ".join(f"sum({column}[{i}])" for i in range(1, n + 1)) + f"]::int[] AS {column}"


# The counts without assignee, priority and channel (a few thousand rows a year instead of hundreds of
# thousands), read when the filter doesn't need those dimensions (daily.table()); the same plus the
# assignee for per-agent figures; the distributions summed per month (whole months of a range read
# these, the days at its ends the daily rows).
COUNTS = f"""
    SELECT stream, day, service_id, team_id, board_id, {{extra}} sum(created)::int AS created,
           {_packed("created_hours", 24)}, sum(resolved)::int AS resolved,
           sum(resolved_sla_met)::int AS resolved_sla_met, sum(resolved_sla_breached)::int AS resolved_sla_breached,
           sum(reopens)::int AS reopens, {_packed("status_net", len(STATUSES))}
    FROM analytics_daily GROUP BY stream, day, service_id, team_id, board_id {{group}}"""
VIEWS = {
    "analytics_daily_coarse": (COUNTS.format(extra="", group=""), "day"),
    "analytics_daily_agent": (COUNTS.format(extra="assignee_id,", group=", assignee_id"), "day"),
    "analytics_daily_priority": (COUNTS.format(extra="priority_id,", group=", priority_id"), "day"),
    # Per-agent results by month (resolutions with their SLA outcomes, reopens): the per-agent table reads
    # its whole months here and only the days at the range's ends from analytics_daily_agent.
    "analytics_agent_month": (f"""
        SELECT date_trunc('month', day)::date AS month, service_id, team_id, board_id, assignee_id,
               sum(resolved)::int AS resolved, sum(resolved_sla_met)::int AS resolved_sla_met,
               sum(resolved_sla_breached)::int AS resolved_sla_breached, sum(reopens)::int AS reopens
        FROM analytics_daily WHERE stream IN ({RESOLVED}, {REOPENS}) AND assignee_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5""", "month"),
    "analytics_dist_month": ("""
        SELECT metric, date_trunc('month', day)::date AS month, service_id, team_id, board_id, assignee_id, value,
               sum(n)::int AS n, sum(breached)::int AS breached
        FROM analytics_dist GROUP BY 1, 2, 3, 4, 5, 6, 7""", "metric, month"),
    # Each agent-month's cycle times as two packed arrays (values ascending, their counts; 4-byte big-endian
    # integers): the per-agent medians read a few thousand of these rows instead of every (value, count).
    "analytics_cycle_agent_month": (f"""
        SELECT month, service_id, team_id, board_id, assignee_id,
               string_agg(int4send(value), ''::bytea ORDER BY value) AS vals,
               string_agg(int4send(n), ''::bytea ORDER BY value) AS counts
        FROM analytics_dist_month WHERE metric = {CYCLE_HOURS} AND assignee_id IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5""", "month"),
    # The same without the assignee: what a distribution over everyone (lead time, cycle time) reads.
    "analytics_dist_month_coarse": ("""
        SELECT metric, month, service_id, team_id, board_id, value, sum(n)::int AS n, sum(breached)::int AS breached
        FROM analytics_dist_month GROUP BY 1, 2, 3, 4, 5, 6""", "metric, month"),
}


def _refresh_views(session: Session) -> None:
    for name, (sql, key) in VIEWS.items():
        if session.execute(text(f"SELECT to_regclass('{name}')")).scalar() is None:
            session.execute(text(f"CREATE MATERIALIZED VIEW {name} AS {sql}"))
            session.execute(text(f"CREATE INDEX ix_{name}_key ON {name} ({key})"))
        else:
            session.execute(text(f"REFRESH MATERIALIZED VIEW {name}"))
        session.execute(text(f"ANALYZE {name}"))


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
    """Aggregate the whole history (first run, or after bulk loads that bypass events)."""
    as_of = _now(session)
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    _aggregate(session, None)
    rollup_flow.aggregate(session, None)
    rollup_csat.aggregate(session, None)
    monthly.rebuild(session)
    session.execute(text("ANALYZE analytics_daily"))  # fresh statistics: the planner saw an empty table
    session.execute(text("ANALYZE analytics_dist"))
    _refresh_views(session)
    _mark(session, last, as_of)


def changed_days(session: Session, since: int, last: int) -> list[date]:
    """The local days on which tickets with events in (since, last] count, plus today and yesterday."""
    return [r[0] for r in session.execute(text(f"""
        WITH changed AS (SELECT DISTINCT ticket_id FROM ticket_events WHERE id > :since AND id <= :last)
        SELECT (e.at AT TIME ZONE :tz)::date FROM ticket_events e JOIN changed c ON c.ticket_id = e.ticket_id
        WHERE {placed('e')}
        UNION SELECT (t.created_at AT TIME ZONE :tz)::date FROM tickets t JOIN changed c ON c.ticket_id = t.id
        UNION SELECT (t.first_response_at AT TIME ZONE :tz)::date FROM tickets t JOIN changed c ON c.ticket_id = t.id
              WHERE t.first_response_at IS NOT NULL
        UNION SELECT (now() AT TIME ZONE :tz)::date UNION SELECT (now() AT TIME ZONE :tz)::date - 1
        ORDER BY 1"""), {"since": since, "last": last, "tz": get_config().timezone})]


def refresh(session: Session) -> int:
    """Bring the rollup up to date with events since the last refresh; returns the number of days redone
    (-1 after a first full build)."""
    state = session.execute(text("SELECT last_event_id, refreshed_at FROM analytics_state WHERE id = 1 FOR UPDATE")).first()
    if state is None or refreshed_at(session) is None:
        rebuild(session)
        return -1
    as_of = _now(session)
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    days = changed_days(session, state[0], last)
    _aggregate(session, days)
    rollup_flow.refresh(session, state[0], last)
    rollup_csat.refresh(session, state[0], last, state[1])
    monthly.refresh(session, state[0], last)
    _refresh_views(session)
    _mark(session, last, as_of)
    return len(days)


def refreshed_at(session: Session) -> datetime | None:
    """When the rollup was last brought up to date; None when there is none yet."""
    views = " AND ".join(f"to_regclass('{name}') IS NOT NULL" for name in VIEWS)  # all of them: a rollup
    return session.execute(text(f"""
        SELECT refreshed_at FROM analytics_state WHERE id = 1 AND {views}""")).scalar()  # built by older code lacks some


def usable(session: Session, f: TicketFilter) -> bool:
    """Read the rollup for this filter? Only when it exists and the filter has no request type."""
    return not f.type and refreshed_at(session) is not None


def drop(session: Session) -> None:
    """Forget the rollup: pages compute live again until the next rebuild."""
    for name in reversed(VIEWS):  # analytics_dist_month_coarse is built on analytics_dist_month
        session.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {name}"))
    session.execute(text("DELETE FROM analytics_daily"))
    session.execute(text("DELETE FROM analytics_dist"))
    session.execute(text("DELETE FROM analytics_monthly"))
    rollup_flow.drop(session)
    rollup_csat.drop(session)
    session.execute(text("DELETE FROM analytics_state"))
