"""The rollup's flow-efficiency sums and per-column SLE ages (analytics_flow, analytics_sle and their coarse
tables), kept with the rest of the rollup by data/metrics/rollup.py.

Both are figures of resolutions: a resolution's cycle (its active, queued and blocked seconds) and the ages
at which it left each column are fixed by the ticket's events up to the resolution, so they are kept per
local day of resolution × ticket attributes, like the rollup's resolved counts:

- analytics_flow: the resolutions with a cycle (`cycles`), those without (`skipped`), and the sums of their
  active / queued / blocked seconds, as numeric: sums of sums are exact, so a range's figures equal the
  ones computed from the events (data/metrics/efficiency.py);
- analytics_sle: per column the ticket left in the cycle, how many resolutions left it at each whole-hour age
  (the metric is defined at that precision: percentiles merged from these counts are percentile_cont's);
- analytics_flow_coarse (per day) and analytics_sle_month (per month), without the assignee, priority and
  channel: what a filter without those reads — thousands of rows a year instead of hundreds of thousands.

A refresh recomputes the local days on which tickets with new events have a resolution (a reassignment or a
block moves or changes only those days' rows) and the coarse rows of those days and months.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics.daily import _whole_months
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import DIMS as DIM_NAMES, resolved_in
from data.metrics.stays import cycles, left_ages, resolving

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
COARSE = "service_id, team_id, board_id"
TABLES = ("analytics_flow", "analytics_sle", "analytics_flow_coarse", "analytics_sle_month")
# Filter fields only the full tables have.
_FINE = ("assignee", "priority", "channel")


def _statements(lo: str, hi: str, days: str) -> list[str]:
    """Insert the rows of the resolutions in [lo, hi) whose local day passes `days` (SQL on `day`)."""
    scope = resolved_in(lo, hi) + f" AND {days.format(day='(e.at AT TIME ZONE :tz)::date')}"
    flow = f"""
        INSERT INTO analytics_flow (day, {DIMS}, cycles, skipped, active_s, queued_s, blocked_s)
        SELECT x.day, {DIMS}, count(*) FILTER (WHERE NOT x.skipped), count(*) FILTER (WHERE x.skipped),
               coalesce(sum(x.active) FILTER (WHERE NOT x.skipped), 0),
               coalesce(sum(x.queued) FILTER (WHERE NOT x.skipped), 0),
               coalesce(sum(x.blocked) FILTER (WHERE NOT x.skipped), 0)
        FROM (SELECT (c.done_at AT TIME ZONE :tz)::date AS day, c.skipped, c.active, c.queued, c.blocked, {_T}
              FROM ({cycles(scope, lo, hi)}) c JOIN tickets t ON t.id = c.ticket_id) x
        WHERE {days.format(day='x.day')} GROUP BY x.day, {DIMS}"""
    sle = f"""
        INSERT INTO analytics_sle (day, {DIMS}, column_id, status, hours, n)
        SELECT x.day, {DIMS}, x.column_id, x.status, x.hours, count(*)
        FROM (SELECT (l.done_at AT TIME ZONE :tz)::date AS day, l.column_id, l.status, l.hours, {_T}
              FROM ({left_ages(scope, lo, hi)}) l JOIN tickets t ON t.id = l.ticket_id) x
        WHERE {days.format(day='x.day')} GROUP BY x.day, {DIMS}, x.column_id, x.status, x.hours"""
    return [flow, sle]


def _coarse(days: str, months: str) -> list[str]:
    return [f"""
        INSERT INTO analytics_flow_coarse (day, {COARSE}, cycles, skipped, active_s, queued_s, blocked_s)
        SELECT day, {COARSE}, sum(cycles), sum(skipped), sum(active_s), sum(queued_s), sum(blocked_s)
        FROM analytics_flow WHERE {days.format(day='day')} GROUP BY day, {COARSE}""", f"""
        INSERT INTO analytics_sle_month (month, {COARSE}, column_id, status, hours, n)
        SELECT date_trunc('month', day)::date, {COARSE}, column_id, status, hours, sum(n)
        FROM analytics_sle WHERE {months.format(day='day')} GROUP BY 1, {COARSE}, column_id, status, hours"""]


def aggregate(session: Session, days: list[date] | None) -> None:
    """(Re)build the rows of these local days of resolution (all days when None) and their coarse rows."""
    params: dict = {"tz": get_config().timezone}
    if days is None:
        session.execute(text(f"TRUNCATE {', '.join(TABLES)}"))
        statements = _statements("'-infinity'::timestamptz", "'infinity'::timestamptz", "TRUE")
        coarse = _coarse("TRUE", "TRUE")
    elif not days:
        return
    else:
        months = sorted({d.replace(day=1) for d in days})
        params |= {"days": days, "months": months, "m_lo": months[0],
                   "m_hi": (months[-1] + timedelta(days=32)).replace(day=1),
                   "lo": datetime.combine(min(days) - timedelta(days=1), datetime.min.time(), timezone.utc),
                   "hi": datetime.combine(max(days) + timedelta(days=2), datetime.min.time(), timezone.utc)}
        for table in TABLES[:3]:
            session.execute(text(f"DELETE FROM {table} WHERE day = ANY(:days)"), params)
        session.execute(text("DELETE FROM analytics_sle_month WHERE month = ANY(:months)"), params)
        statements = _statements(":lo", ":hi", "{day} = ANY(:days)")
        coarse = _coarse("{day} = ANY(:days)",
                         "{day} >= :m_lo AND {day} < :m_hi AND date_trunc('month', {day})::date = ANY(:months)")
    for sql in statements + coarse:
        session.execute(text(sql), params)
    if days is None:  # fresh statistics: the planner saw empty tables
        for table in TABLES:
            session.execute(text(f"ANALYZE {table}"))


def changed_days(session: Session, since: int, last: int) -> list[date]:
    """The local days on which tickets with events in (since, last] have a resolution."""
    return [r[0] for r in session.execute(text(f"""
        SELECT DISTINCT (e.at AT TIME ZONE :tz)::date FROM ticket_events e
        WHERE e.ticket_id IN (SELECT ticket_id FROM ticket_events WHERE id > :since AND id <= :last)
          AND {resolving('e')} ORDER BY 1"""), {"since": since, "last": last, "tz": get_config().timezone})]


def refresh(session: Session, since: int, last: int) -> int:
    """Recompute the days that events in (since, last] touch; returns how many."""
    days = changed_days(session, since, last)
    aggregate(session, days)
    return len(days)


def drop(session: Session) -> None:
    for table in TABLES:
        session.execute(text(f"DELETE FROM {table}"))


def flow_table(f: TicketFilter) -> str:
    """The smallest flow table with the dimensions the filter needs."""
    return "analytics_flow" if any(getattr(f, k) for k in _FINE) else "analytics_flow_coarse"


def sle_source(f: TicketFilter) -> tuple[str, dict]:
    """Rows (service, team, board, assignee, priority, channel, column_id, status, hours, n) of the range,
    filtered: whole months from analytics_sle_month when the filter needs no finer dimension, the days at the
    range's ends (or all of it) from analytics_sle. Returns (SQL, bind parameters)."""
    w, params = where(f, alias="r")
    params |= range_params(f)
    fine = any(getattr(f, k) for k in _FINE)
    columns = "r.column_id, r.status, r.hours, r.n"
    days = f"SELECT {columns} FROM analytics_sle r WHERE {w} AND r.day BETWEEN :d_from AND :d_to"
    if fine:
        return days, params
    first, after = _whole_months(f)
    return (f"SELECT {columns} FROM analytics_sle_month r WHERE {w} AND r.month >= :m_first AND r.month < :m_after"
            f" UNION ALL {days} AND NOT (r.day >= :m_first AND r.day < :m_after)",
            params | {"m_first": first, "m_after": after})
