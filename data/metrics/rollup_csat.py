"""The rollup's satisfaction counts (analytics_csat and analytics_csat_coarse), kept with the rest of the rollup
by data/metrics/rollup.py; read by data/metrics/csat.py for the per-agent and per-service tables.

Per local day of the resolution a question was asked about, the ticket's attributes and the agent credited
(ratings.agent_id): questions asked, ratings given and the sum of their scores. The average is the sum ÷ the
ratings, which is how PostgreSQL's avg() of integers divides, so the figures equal the ones computed from the
ratings. analytics_csat_coarse is the same without assignee, priority and channel (what a filter without
those reads).

A refresh redoes the local days whose questions changed: those of the ratings given since the previous refresh
(an answer writes no ticket event; a few minutes' slack for answers committed late), of the questions asked
since then (a question is asked with the resolution's event, so its ticket is among those the refresh redoes)
and of every question of a ticket whose attributes changed (a reassignment moves them). A plain move changes
no day: a refresh after a thousand moves redoes today, not every day the moved tickets were ever resolved on.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics import rollup_bulk
from data.metrics.filters import TicketFilter
from data.metrics.sql import DIMS as DIM_NAMES

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
COARSE = "service_id, team_id, board_id"
TABLES = ("analytics_csat", "analytics_csat_coarse")
SLACK = timedelta(minutes=10)  # answers committed after the previous refresh read the clock
_FINE = ("assignee", "priority", "channel")


def build_rows(session: Session, side=None) -> None:
    """A full build's analytics_csat, from every rating: on the build's second connection `side` when given
    (data/metrics/rollup_side.py), whose rows its finish() copies in; build_coarse() follows."""
    session.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
    fine, _ = _sql("ratings", "")
    params = {"tz": get_config().timezone}
    if side is not None:
        side.execute(fine, params)
    else:
        rollup_bulk.execute(session, fine, params)


def build_coarse(session: Session) -> None:
    """A full build's analytics_csat_coarse, from analytics_csat once it is full."""
    rollup_bulk.execute(session, _sql("ratings", "")[1])
    for table in TABLES:
        session.execute(text(f"ANALYZE {table}"))


def aggregate(session: Session, days: list[date]) -> None:
    """Rebuild the rows of these local days (a refresh; a full build: build_rows, then build_coarse)."""
    if not days:
        return
    params = {"tz": get_config().timezone, "days": days}
    for table in TABLES:
        session.execute(text(f"DELETE FROM {table} WHERE day = ANY(:days)"), params)
    # The days' ratings, one index range scan per local day (midnight to midnight: the days may be spread
    # over the year, and the ratings between them are not read), kept apart so that the planner knows how
    # few they are and looks their tickets up by key instead of reading every ticket.
    session.execute(text("DROP TABLE IF EXISTS okno_csat_ratings"))
    session.execute(text("""
        CREATE TEMPORARY TABLE okno_csat_ratings ON COMMIT DROP AS
        SELECT r.* FROM unnest(CAST(:days AS date[])) AS d(day)
        JOIN ratings r ON r.resolved_at >= (d.day::timestamp AT TIME ZONE :tz)
                      AND r.resolved_at < ((d.day + 1)::timestamp AT TIME ZONE :tz)"""), params)
    session.execute(text("ANALYZE okno_csat_ratings"))
    for sql in _sql("okno_csat_ratings", "WHERE day = ANY(:days)"):
        session.execute(text(sql), params)


def _sql(ratings: str, coarse: str) -> tuple[str, str]:
    return (f"""
        INSERT INTO analytics_csat (day, {DIMS}, agent_id, asked, rated, score_sum)
        SELECT x.day, {DIMS}, x.agent_id, count(*), count(x.score), coalesce(sum(x.score), 0)
        FROM (SELECT (r.resolved_at AT TIME ZONE :tz)::date AS day, r.agent_id, r.score, {_T}
              FROM {ratings} r JOIN tickets t ON t.id = r.ticket_id) x
        GROUP BY x.day, {DIMS}, x.agent_id""", f"""
        INSERT INTO analytics_csat_coarse (day, {COARSE}, agent_id, asked, rated, score_sum)
        SELECT day, {COARSE}, agent_id, sum(asked), sum(rated), sum(score_sum) FROM analytics_csat {coarse}
        GROUP BY day, {COARSE}, agent_id""")


def changed_days(session: Session, previous: datetime | None, tickets: bool) -> list[date]:
    """Local resolution days of the ratings given or asked since the previous refresh (`previous`, less the slack)
    and of the questions of tickets whose attributes changed. `tickets`: rollup_delta.refresh redid tickets in
    this transaction (its scratch tables okno_changed, okno_old_tickets and okno_new_tickets hold them)."""
    day = "(r.resolved_at AT TIME ZONE :tz)::date"
    parts = [f"SELECT {day} FROM ratings r WHERE r.rated_at >= :since"]
    if tickets:
        moved = " OR ".join(f"n.{d} IS DISTINCT FROM o.{d}" for d in DIM_NAMES)
        parts += [f"""SELECT {day} FROM ratings r WHERE r.ticket_id IN (SELECT ticket_id FROM okno_changed)
                      AND r.asked_at >= :since""",
                  f"""SELECT {day} FROM ratings r WHERE r.ticket_id IN (
                      SELECT n.id FROM okno_new_tickets n JOIN okno_old_tickets o ON o.id = n.id WHERE {moved})"""]
    return [r[0] for r in session.execute(text(f"SELECT DISTINCT d FROM ({' UNION ALL '.join(parts)}) AS x(d) ORDER BY 1"), {
        "tz": get_config().timezone,
        "since": (previous - SLACK) if previous else datetime(1970, 1, 1, tzinfo=timezone.utc)})]


def refresh(session: Session, previous: datetime | None, tickets: bool) -> int:
    """Redo the days whose questions changed (changed_days); returns how many."""
    days = changed_days(session, previous, tickets)
    aggregate(session, days)
    return len(days)


def table(f: TicketFilter) -> str:
    return "analytics_csat" if any(getattr(f, k) for k in _FINE) else "analytics_csat_coarse"
