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

A refresh adds the changed tickets' difference to each table in place, ticket by ticket
(data/metrics/rollup_flow_delta.py, with these statements over the tickets' old and new states).
"""
from __future__ import annotations


from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics import rollup_bulk, rollup_history
from data.metrics.daily import _whole_months
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import DIMS as DIM_NAMES
from data.metrics.stays import cycles, left_ages

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
COARSE = "service_id, team_id, board_id"
TABLES = ("analytics_flow", "analytics_sle", "analytics_flow_coarse", "analytics_sle_month")
# Filter fields only the full tables have.
_FINE = ("assignee", "priority", "channel")


def _statements(tickets: str = "tickets", events: str = "ticket_events",
                into: tuple[str, str] = ("analytics_flow", "analytics_sle")) -> list[str]:
    """Insert the rows of every resolution: from the full build's one pass over the events
    (data/metrics/rollup_history.py), or — with `tickets`, `events` and `into` naming other relations shaped like
    tickets, ticket_events, analytics_flow and analytics_sle — from a refresh's scratch tables, whose events these
    statements read themselves (rollup_flow_delta.py)."""
    lo, hi = "'-infinity'::timestamptz", "'infinity'::timestamptz"
    whole = events == "ticket_events"  # the full build's one pass (not a refresh's)
    flow = f"""
        INSERT INTO {into[0]} (day, {DIMS}, cycles, skipped, active_s, queued_s, blocked_s)
        SELECT x.day, {DIMS}, count(*) FILTER (WHERE NOT x.skipped), count(*) FILTER (WHERE x.skipped),
               coalesce(sum(x.active) FILTER (WHERE NOT x.skipped), 0),
               coalesce(sum(x.queued) FILTER (WHERE NOT x.skipped), 0),
               coalesce(sum(x.blocked) FILTER (WHERE NOT x.skipped), 0)
        FROM (SELECT (c.done_at AT TIME ZONE :tz)::date AS day, c.skipped, c.active, c.queued, c.blocked, {_T}
              FROM ({cycles(None, lo, hi, rollup_history.TIMELINE if whole else None, events=events)}) c
              JOIN {tickets} t ON t.id = c.ticket_id) x
        GROUP BY x.day, {DIMS}"""
    sle = f"""
        INSERT INTO {into[1]} (day, {DIMS}, column_id, status, hours, n)
        SELECT x.day, {DIMS}, x.column_id, x.status, x.hours, count(*)
        FROM (SELECT (l.done_at AT TIME ZONE :tz)::date AS day, l.column_id, l.status, l.hours, {_T}
              FROM ({left_ages(None, lo, hi, rollup_history.STAYS if whole else None, events=events)}) l
              JOIN {tickets} t ON t.id = l.ticket_id) x
        GROUP BY x.day, {DIMS}, x.column_id, x.status, x.hours"""
    return [flow, sle]


_COARSE = [f"""
    INSERT INTO analytics_flow_coarse (day, {COARSE}, cycles, skipped, active_s, queued_s, blocked_s)
    SELECT day, {COARSE}, sum(cycles), sum(skipped), sum(active_s), sum(queued_s), sum(blocked_s)
    FROM analytics_flow GROUP BY day, {COARSE}""", f"""
    INSERT INTO analytics_sle_month (month, {COARSE}, column_id, status, hours, n)
    SELECT date_trunc('month', day)::date, {COARSE}, column_id, status, hours, sum(n)
    FROM analytics_sle GROUP BY 1, {COARSE}, column_id, status, hours"""]


# A full build (data/metrics/rollup.py) writes the four tables from the whole history in these steps; a refresh
# keeps them (rollup_flow_delta.py).
def truncate(session: Session) -> None:
    session.execute(text(f"TRUNCATE {', '.join(TABLES)}"))


def build_rows(session: Session, side=None) -> None:
    """analytics_flow and analytics_sle from the build's pass over the events (rollup_history.create, on the same
    connection): on the build's second connection `side` when given, whose rows its finish() copies in."""
    params = {"tz": get_config().timezone}
    for sql in _statements():
        if side is not None:
            side.execute(sql, params)
        else:
            rollup_bulk.execute(session, sql, params)  # statements that may run in parallel


def build_coarse(session: Session) -> None:
    """The coarse tables, from analytics_flow and analytics_sle once they are full."""
    for sql in _COARSE:
        rollup_bulk.execute(session, sql)


def analyze(session: Session) -> None:
    for table in TABLES:  # fresh statistics: the planner saw empty tables
        session.execute(text(f"ANALYZE {table}"))


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
