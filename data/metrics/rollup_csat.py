"""The rollup's satisfaction counts (analytics_csat and analytics_csat_coarse), kept with the rest of the rollup
by data/metrics/rollup.py; read by data/metrics/csat.py for the per-agent and per-service tables.

Per local day of the resolution a question was asked about, the ticket's attributes and the agent credited
(ratings.agent_id): questions asked, ratings given and the sum of their scores. The average is the sum ÷ the
ratings, which is how PostgreSQL's avg() of integers divides, so the figures equal the ones computed from the
ratings. analytics_csat_coarse is the same without assignee, priority and channel (what a filter without
those reads).

A rating is written without a ticket event, so a refresh redoes the days of the ratings given since the
previous refresh (a few minutes' slack for answers committed late), besides the resolution days of the
tickets with new events (a reassignment moves their questions; a resolution asks a new one).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics.filters import TicketFilter
from data.metrics.sql import DIMS as DIM_NAMES

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
COARSE = "service_id, team_id, board_id"
TABLES = ("analytics_csat", "analytics_csat_coarse")
SLACK = timedelta(minutes=10)  # answers committed after the previous refresh read the clock
_FINE = ("assignee", "priority", "channel")


def aggregate(session: Session, days: list[date] | None) -> None:
    """(Re)build the rows of these local days (all when None)."""
    params: dict = {"tz": get_config().timezone}
    if days is None:
        session.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
        ranges = ["", ""]
    elif not days:
        return
    else:
        params |= {"days": days,
                   "lo": datetime.combine(min(days) - timedelta(days=1), datetime.min.time(), timezone.utc),
                   "hi": datetime.combine(max(days) + timedelta(days=2), datetime.min.time(), timezone.utc)}
        for table in TABLES:
            session.execute(text(f"DELETE FROM {table} WHERE day = ANY(:days)"), params)
        # The instants bound the index scan (a local day is at most a day off UTC); the days pick exactly.
        ranges = ["WHERE r.resolved_at >= :lo AND r.resolved_at < :hi AND (r.resolved_at AT TIME ZONE :tz)::date = ANY(:days)",
                  "WHERE day = ANY(:days)"]
    rollup_rows, coarse_rows = _sql(ranges)
    session.execute(text(rollup_rows), params)
    session.execute(text(coarse_rows), params)
    if days is None:
        for table in TABLES:
            session.execute(text(f"ANALYZE {table}"))


def _sql(ranges: list[str]) -> tuple[str, str]:
    return (f"""
        INSERT INTO analytics_csat (day, {DIMS}, agent_id, asked, rated, score_sum)
        SELECT x.day, {DIMS}, x.agent_id, count(*), count(x.score), coalesce(sum(x.score), 0)
        FROM (SELECT (r.resolved_at AT TIME ZONE :tz)::date AS day, r.agent_id, r.score, {_T}
              FROM ratings r JOIN tickets t ON t.id = r.ticket_id {ranges[0]}) x
        GROUP BY x.day, {DIMS}, x.agent_id""", f"""
        INSERT INTO analytics_csat_coarse (day, {COARSE}, agent_id, asked, rated, score_sum)
        SELECT day, {COARSE}, agent_id, sum(asked), sum(rated), sum(score_sum) FROM analytics_csat {ranges[1]}
        GROUP BY day, {COARSE}, agent_id""")


def changed_days(session: Session, since: int, last: int, previous: datetime | None) -> list[date]:
    """Local resolution days of the questions on tickets with events in (since, last] and of the ratings given
    since the previous refresh (`previous`, less the slack)."""
    return [r[0] for r in session.execute(text("""
        SELECT (r.resolved_at AT TIME ZONE :tz)::date FROM ratings r
        WHERE r.ticket_id IN (SELECT ticket_id FROM ticket_events WHERE id > :since AND id <= :last)
        UNION SELECT (r.resolved_at AT TIME ZONE :tz)::date FROM ratings r WHERE r.rated_at >= :rated_since
        ORDER BY 1"""), {"since": since, "last": last, "tz": get_config().timezone,
                         "rated_since": (previous - SLACK) if previous else datetime(1970, 1, 1, tzinfo=timezone.utc)})]


def refresh(session: Session, since: int, last: int, previous: datetime | None) -> int:
    days = changed_days(session, since, last, previous)
    aggregate(session, days)
    return len(days)


def drop(session: Session) -> None:
    for table in TABLES:
        session.execute(text(f"DELETE FROM {table}"))


def table(f: TicketFilter) -> str:
    return "analytics_csat" if any(getattr(f, k) for k in _FINE) else "analytics_csat_coarse"
