"""A full build's one ordered pass over the events (data/metrics/rollup.py): the resolutions, flow efficiency and
the SLEs each number a ticket's events in time order (a window per ticket), so a build of the whole history sorts
the events once into a scratch table and each of them reads what it needs from there instead of sorting them again.

`okno_history`: one row per placing or blocked / unblocked event, with what the window functions of
data/metrics/sql.resolutions, stays.stays and stays.timeline compute per event — the same definitions:
  - to_status, from_status, column_id: a placing event's (NULL for a block event); resolves, reopens;
  - cycle: resolutions before the event (stays' and the timeline's cycle); reopened: reopens up to and
    including it (the resolutions' cycle numbering);
  - until: the next event of either kind (a timeline segment's end); stay_until: the next placing event (a stay's);
  - status, blocked: the state carried forward from the last placing / block event (the timeline's).
`okno_cycles`: per resolved cycle (ticket_id, cycle) the times the timeline and the stays take per cycle
(started, done_at, and the stays' begin_at and stay_started). The refresh and the pages compute the same
columns by their own windows over a few tickets' events (stays.py), which need no shared pass.
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics.stays import resolving
from data.tickets.status import DONE, IN_PROGRESS, placed, reopened

HISTORY = "okno_history"
CYCLES = "okno_cycles"
# The carried state: PostgreSQL has no IGNORE NULLS, so the last non-NULL value so far is the last element of the
# running array of them (arrays of a ticket's few events).
_LAST = "(array_agg({v}) FILTER (WHERE {v} IS NOT NULL) OVER w)[count({v}) OVER w]"
STATEMENTS = [
    f"""CREATE TEMPORARY TABLE {HISTORY} ON COMMIT DROP AS
    SELECT ticket_id, id, at, to_status, from_status, column_id, resolves,
           count(*) FILTER (WHERE resolves) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cycle,
           count(*) FILTER (WHERE reopens) OVER w AS reopened,
           lead(at) OVER w AS until,
           min(at) FILTER (WHERE to_status IS NOT NULL) OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
             AS stay_until,
           {_LAST.format(v="to_status")} AS status,
           coalesce({_LAST.format(v="blocking")}, false) AS blocked
    FROM (SELECT e.ticket_id, e.id, e.at,
                 CASE WHEN {placed('e')} THEN e.to_status END AS to_status,
                 CASE WHEN {placed('e')} THEN e.from_status END AS from_status,
                 CASE WHEN {placed('e')} THEN e.to_column_id END AS column_id,
                 coalesce({resolving('e')}, false) AS resolves, coalesce({reopened('e')}, false) AS reopens,
                 CASE e.kind WHEN 'blocked' THEN true WHEN 'unblocked' THEN false END AS blocking
          FROM ticket_events e WHERE ({placed('e')}) OR e.kind IN ('blocked', 'unblocked')) AS ev
    WINDOW w AS (PARTITION BY ticket_id ORDER BY at, id)""",
    f"""CREATE TEMPORARY TABLE {CYCLES} ON COMMIT DROP AS
    SELECT * FROM (
        SELECT ticket_id, cycle, min(at) FILTER (WHERE status = '{IN_PROGRESS}') AS started,
               max(at) FILTER (WHERE resolves) AS done_at,
               min(at) FILTER (WHERE to_status <> '{DONE}') AS begin_at,
               min(at) FILTER (WHERE to_status = '{IN_PROGRESS}') AS stay_started
        FROM {HISTORY} GROUP BY ticket_id, cycle) AS c
    WHERE done_at IS NOT NULL""",
]

# What stays.timeline gives (with its cycle's started and done_at) for the resolved cycles: stays.cycles' rows.
TIMELINE = f"""
    SELECT h.ticket_id, h.at AS since, h.until, h.status, h.blocked, h.cycle, h.resolves, c.started, c.done_at
    FROM {HISTORY} h JOIN {CYCLES} c ON c.ticket_id = h.ticket_id AND c.cycle = h.cycle"""
# What stays.stays gives with its cycle's begin_at, started and done_at (stays.left_ages' rows), resolved cycles.
STAYS = f"""
    SELECT h.ticket_id, h.column_id, h.to_status AS status, h.at AS since, h.stay_until AS until, h.resolves,
           h.cycle, c.begin_at, c.stay_started AS started, c.done_at
    FROM {HISTORY} h JOIN {CYCLES} c ON c.ticket_id = h.ticket_id AND c.cycle = h.cycle
    WHERE h.to_status IS NOT NULL"""
# The placing events numbered as sql.resolutions numbers them (its cycle: reopens so far).
NUMBERED = f"SELECT ticket_id, at, from_status, to_status, reopened AS cycle FROM {HISTORY} WHERE to_status IS NOT NULL"


def create(session: Session, side=None) -> None:
    """The scratch tables, from the whole history (in the build's snapshot); on the build's second connection
    `side` when given (data/metrics/rollup_side.py: its own temporary tables, read by what runs there after)."""
    for sql in [*STATEMENTS, f"ANALYZE {HISTORY}", f"ANALYZE {CYCLES}"]:
        if side is not None:
            side.execute(sql)
        else:
            session.execute(text(sql))


def drop(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {HISTORY}, {CYCLES}"))
