"""The daily rollup (analytics_daily): built once, then kept up to date incrementally.

`rebuild` aggregates the whole history; `refresh` re-aggregates only the local days touched by
events recorded since the last refresh (every day of each changed ticket's flow history, its
creation and resolution days) plus today and yesterday, so a reassignment or reopen moves a
ticket's counts to where they belong. Pages read the rollup when it exists and the filter has
no request-type condition (the rollup has no request-type dimension); otherwise they query live.
Pages show how fresh it is; a scheduled `python -m data analytics-rollup --refresh` keeps it current.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.models.analytics import CYCLE_BUCKETS, RESPONSE_EDGES_MIN
from data.metrics.filters import TicketFilter
from data.metrics.sql import CYCLE_DAYS, SLA_MET
from data.tickets.status import placed, reached, reopened

log = logging.getLogger(__name__)
DIMS = "service_id, team_id, board_id, assignee_id, priority_id, channel"

_HOURS = ", ".join(f"count(*) FILTER (WHERE x.hr = {h})" for h in range(24))
_CYCLE = ", ".join([f"count(*) FILTER (WHERE x.cyc = {d})" for d in range(1, CYCLE_BUCKETS)] +
                   [f"count(*) FILTER (WHERE x.cyc >= {CYCLE_BUCKETS})"])
_RESP = ", ".join(f"count(*) FILTER (WHERE x.rb = {i})" for i in range(1, len(RESPONSE_EDGES_MIN) + 1))
_RESP_BREACHED = ", ".join(f"count(*) FILTER (WHERE x.rb = {i} AND x.fr_breached)"
                           for i in range(1, len(RESPONSE_EDGES_MIN) + 1))
_RESP_EDGES = "ARRAY[" + ", ".join(f"{e}.0" for e in RESPONSE_EDGES_MIN) + "]::float8[]"
_TDIMS = "t.service_id, t.team_id, t.board_id, t.assignee_id, t.priority_id, t.channel"

STREAMS = [
    # 0: created that day, by local hour
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, created, created_hours, response_hist, response_breached,
                                     unanswered)
    SELECT 0, x.day, {DIMS}, count(*), ARRAY[{_HOURS}], ARRAY[{_RESP}], ARRAY[{_RESP_BREACHED}],
           count(*) FILTER (WHERE x.rb IS NULL)
    FROM (SELECT (t.created_at AT TIME ZONE :tz)::date AS day,
                 extract(hour FROM t.created_at AT TIME ZONE :tz)::int AS hr,
                 CASE WHEN t.first_response_at IS NOT NULL THEN greatest(1, width_bucket(
                   extract(epoch FROM t.first_response_at - t.created_at) / 60.0, {_RESP_EDGES})) END AS rb,
                 coalesce(t.sla_first_response_breached, false) AS fr_breached, {_TDIMS}
          FROM tickets t WHERE {{created}}) AS x WHERE {{days}} GROUP BY x.day, {DIMS}""",
    # 1: done now and last resolved that day
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, resolved, resolved_sla_met, resolved_sla_breached,
                                     resolved_reopened, cycle_hist)
    SELECT 1, x.day, {DIMS}, count(*), count(*) FILTER (WHERE x.met = 1), count(*) FILTER (WHERE x.met = 0),
           count(*) FILTER (WHERE x.reopened), ARRAY[{_CYCLE}]
    FROM (SELECT (t.resolved_at AT TIME ZONE :tz)::date AS day, {CYCLE_DAYS} AS cyc, {SLA_MET} AS met,
                 t.reopened_count > 0 AS reopened, {_TDIMS}
          FROM tickets t WHERE t.status = 'done' AND {{resolved}}) AS x WHERE {{days}} GROUP BY x.day, {DIMS}""",
    # 2: reopen events (done → not done) that day
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, reopens)
    SELECT 2, x.day, {DIMS}, count(*)
    FROM (SELECT (e.at AT TIME ZONE :tz)::date AS day, {_TDIMS} FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
          WHERE {reopened('e')} AND {{at}}) AS x
    WHERE {{days}} GROUP BY x.day, {DIMS}""",
    # 3: when each ticket first reached each status (queue, in progress, waiting, done), from the event history
    f"""INSERT INTO analytics_daily (stream, day, {DIMS}, reached)
    SELECT 3, x.day, {DIMS}, ARRAY[count(*) FILTER (WHERE x.status_index = 0),
                                   count(*) FILTER (WHERE x.status_index = 1),
                                   count(*) FILTER (WHERE x.status_index = 2),
                                   count(*) FILTER (WHERE x.status_index = 3)]
    FROM (SELECT (v.at AT TIME ZONE :tz)::date AS day, v.status_index, {_TDIMS}
          FROM (SELECT e.ticket_id, {reached('e')}
                FROM {{events}} WHERE {placed('e')} GROUP BY e.ticket_id) AS f
          JOIN tickets t ON t.id = f.ticket_id
          CROSS JOIN LATERAL (VALUES (0, f.s0), (1, f.s1), (2, f.s2), (3, f.s3)) AS v(status_index, at)
          WHERE v.at IS NOT NULL) AS x
    WHERE {{days}} GROUP BY x.day, {DIMS}""",
]


def _aggregate(session: Session, days: list | None) -> None:
    """(Re)build the rows of these local days (all days when None)."""
    tz = get_config().timezone
    ranges = {"created": "TRUE", "resolved": "TRUE", "at": "TRUE"}
    if days is None:
        session.execute(text("TRUNCATE analytics_daily"))
        where, events, params = "TRUE", "ticket_events e", {"tz": tz}
    else:
        session.execute(text("DELETE FROM analytics_daily WHERE day = ANY(:days)"), {"days": days})
        where, params = "x.day = ANY(:days)", {"tz": tz, "days": days}
        # Status entries: only tickets placed in a column on one of these days can have a first entry there;
        # their whole histories are then read by ticket (index ix_ticket_events_ticket_at).
        events = (f"(SELECT DISTINCT p.ticket_id FROM ticket_events p WHERE {placed('p')} AND p.at >= :lo"
                  " AND p.at < :hi AND (p.at AT TIME ZONE :tz)::date = ANY(:days)) AS tk"
                  " CROSS JOIN LATERAL (SELECT * FROM ticket_events x WHERE x.ticket_id = tk.ticket_id) AS e")
        params |= {"lo": datetime.combine(min(days) - timedelta(days=1), datetime.min.time(), timezone.utc),
                   "hi": datetime.combine(max(days) + timedelta(days=2), datetime.min.time(), timezone.utc)}
        # Index-friendly bounds around the local days (a day is at most a day off UTC).
        ranges = {"created": "t.created_at >= :lo AND t.created_at < :hi",
                  "resolved": "t.resolved_at >= :lo AND t.resolved_at < :hi", "at": "e.at >= :lo AND e.at < :hi"}
    for sql in STREAMS:
        session.execute(text(sql.format(days=where, events=events, **ranges)), params)


def _packed(column: str, n: int) -> str:
    return "ARRAY[" + ", ".join(f"sum({column}[{i}])" for i in range(1, n + 1)) + f"]::int[] AS {column}"


# The same rollup without assignee, priority and channel: a few thousand rows a year instead of
# hundreds of thousands, read when the filter doesn't need those dimensions (daily.table()).
COARSE = f"""
    SELECT stream, day, service_id, team_id, board_id, {{extra}} sum(created)::int AS created, {_packed("created_hours", 24)},
           {_packed("response_hist", len(RESPONSE_EDGES_MIN))}, {_packed("response_breached", len(RESPONSE_EDGES_MIN))},
           sum(unanswered)::int AS unanswered, sum(resolved)::int AS resolved,
           sum(resolved_sla_met)::int AS resolved_sla_met, sum(resolved_sla_breached)::int AS resolved_sla_breached,
           sum(resolved_reopened)::int AS resolved_reopened, {_packed("cycle_hist", CYCLE_BUCKETS)},
           sum(reopens)::int AS reopens, {_packed("reached", 4)}
    FROM analytics_daily GROUP BY stream, day, service_id, team_id, board_id {{group}}"""
# name → extra dimension: per-agent figures read the second one.
VIEWS = {"analytics_daily_coarse": "", "analytics_daily_agent": "assignee_id"}


def _refresh_coarse(session: Session) -> None:
    for name, extra in VIEWS.items():
        if session.execute(text(f"SELECT to_regclass('{name}')")).scalar() is None:
            sql = COARSE.format(extra=f"{extra}," if extra else "", group=f", {extra}" if extra else "")
            session.execute(text(f"CREATE MATERIALIZED VIEW {name} AS {sql}"))
            session.execute(text(f"CREATE INDEX ix_{name}_day ON {name} (day)"))
        else:
            session.execute(text(f"REFRESH MATERIALIZED VIEW {name}"))
        session.execute(text(f"ANALYZE {name}"))


def _mark(session: Session, last_event_id: int) -> None:
    session.execute(text("""
        INSERT INTO analytics_state (id, refreshed_at, last_event_id) VALUES (1, clock_timestamp(), :e)
        ON CONFLICT (id) DO UPDATE SET refreshed_at = clock_timestamp(), last_event_id = :e"""),
                    {"e": last_event_id})  # clock time: a long rebuild would otherwise look stale at once


def rebuild(session: Session) -> None:
    """Aggregate the whole history (first run, or after bulk loads that bypass events)."""
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    _aggregate(session, None)
    session.execute(text("ANALYZE analytics_daily"))  # fresh statistics: the planner saw an empty table
    _refresh_coarse(session)
    _mark(session, last)


def refresh(session: Session) -> int:
    """Bring the rollup up to date with events since the last refresh; returns the number of days redone."""
    state = session.execute(text("SELECT last_event_id FROM analytics_state WHERE id = 1")).first()
    if state is None:
        rebuild(session)
        return -1
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM ticket_events")).scalar()
    tz = get_config().timezone
    days = [r[0] for r in session.execute(text(f"""
        WITH changed AS (SELECT DISTINCT ticket_id FROM ticket_events WHERE id > :since AND id <= :last)
        SELECT (e.at AT TIME ZONE :tz)::date FROM ticket_events e JOIN changed c ON c.ticket_id = e.ticket_id
        WHERE {placed('e')}
        UNION SELECT (t.created_at AT TIME ZONE :tz)::date FROM tickets t JOIN changed c ON c.ticket_id = t.id
        UNION SELECT (t.resolved_at AT TIME ZONE :tz)::date FROM tickets t JOIN changed c ON c.ticket_id = t.id
              WHERE t.resolved_at IS NOT NULL
        UNION SELECT (now() AT TIME ZONE :tz)::date UNION SELECT (now() AT TIME ZONE :tz)::date - 1"""),
        {"since": state[0], "last": last, "tz": tz})]
    _aggregate(session, sorted(days))
    _refresh_coarse(session)
    _mark(session, last)
    return len(days)


def refreshed_at(session: Session) -> datetime | None:
    """When the rollup (both tables) was last brought up to date; None when there is none yet."""
    return session.execute(text("""
        SELECT refreshed_at FROM analytics_state
        WHERE id = 1 AND to_regclass('analytics_daily_agent') IS NOT NULL""")).scalar()


def refresh_if_stale(session: Session) -> datetime | None:
    """The rollup's time, or None when there is no rollup (pages then query live).

    Pages don't refresh it themselves: at a million tickets a refresh under load can take longer
    than a page may wait. `python -m data analytics-rollup --refresh` runs it (cron, every few
    minutes), and the pages show how fresh it is."""
    return refreshed_at(session)


def usable(session: Session, f: TicketFilter) -> bool:
    """Read the rollup for this filter? Only when it exists and the filter has no request type."""
    return not f.type and refresh_if_stale(session) is not None


def drop(session: Session) -> None:
    """Forget the rollup: pages compute live again until the next rebuild."""
    for name in VIEWS:
        session.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {name}"))
    session.execute(text("DELETE FROM analytics_daily"))
    session.execute(text("DELETE FROM analytics_state"))
