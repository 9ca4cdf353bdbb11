"""The rows of the analytics rollup: the statements that aggregate tickets — their attributes, creation and
first-reply times, status events and SLA outcomes — into analytics_daily and analytics_dist. A full build runs
them over every ticket (data/metrics/rollup.py), a refresh over a few tickets' states as last counted and as
they are now (data/metrics/rollup_delta.py): the same definitions either way.
"""
from __future__ import annotations


from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics import rollup_bulk, rollup_history
from data.metrics.sql import DIMS as DIM_NAMES, minutes, numbered_placings, resolution_rows
from data.models.analytics import (CREATED, CYCLE_HOURS, FIRST_RESPONSE_MINUTES, LEAD_HOURS, REOPENS, RESOLVED,
                                   STATUS_NET)
from data.tickets.status import STATUSES, placed, reopened

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
_DAY = "({col} AT TIME ZONE :tz)::date"

# Tickets created per local hour, from each group's hours (mostly one or two tickets a group): 24 lookups in that
# small array per group instead of 24 filtered counts per ticket (3.6 → 1.9 s at a million tickets).
_HOURS = ", ".join(f"cardinality(array_positions(x.hrs, {h}))" for h in range(24))
# Each placing event adds 1 to the status it enters and takes 1 from the one it leaves (one row per event, not per
# event and status, for the grouping to sort). Zero, not NULL, for a status nobody entered or left (a refresh adds
# these arrays element by element), and no row at all when the day's moves cancel out: the same rows whichever way
# they were reached.
_MOVES = ", ".join(f"(e.to_status = '{s}')::int - coalesce(e.from_status = '{s}', false)::int AS d_{s}" for s in STATUSES)
_NET = ", ".join(f"sum(x.d_{s})" for s in STATUSES)
_ALWAYS = {"lo": "'-infinity'::timestamptz", "hi": "'infinity'::timestamptz"}

# Each statement aggregates the tickets of `{tickets}` with their events `{events}` and SLA outcomes `{sla}`
# into `{daily}` and `{dist}`: the whole history into analytics_daily and analytics_dist, or a few tickets'
# states (as they are now, as they were last counted) into scratch tables (data/metrics/rollup_delta.py).
STATEMENTS = [
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, created, created_hours)
    SELECT {CREATED}, x.day, {DIMS}, cardinality(x.hrs), ARRAY[{_HOURS}]
    FROM (SELECT y.day, {DIMS}, array_agg(y.hr) AS hrs
          FROM (SELECT {_DAY.format(col="t.created_at")} AS day, extract(hour FROM t.created_at AT TIME ZONE :tz)::int AS hr,
                       {_T} FROM {{tickets}} t) AS y
          GROUP BY y.day, {DIMS}) AS x""",
    # Resolutions: counts with the cycle's SLA outcome, and the exact cycle and lead time distributions (the
    # resolutions kept in a scratch table for both).
    f"""CREATE TEMPORARY TABLE okno_resolutions ON COMMIT DROP AS
    SELECT {_DAY.format(col="x.done_at")} AS day, x.*
    FROM ({resolution_rows("TRUE", _ALWAYS["lo"], _ALWAYS["hi"], tickets="{tickets}", events="{events}", sla="{sla}",
                           number="NULL::int", narrow=False, numbered="{numbered}")}) AS x""",
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, resolved, resolved_sla_met, resolved_sla_breached)
    SELECT {RESOLVED}, x.day, {DIMS}, count(*), count(*) FILTER (WHERE x.sla_met = 1), count(*) FILTER (WHERE x.sla_met = 0)
    FROM okno_resolutions AS x GROUP BY x.day, {DIMS}""",
    f"""INSERT INTO {{dist}} (metric, day, value, {DIMS}, n)
    SELECT v.metric, x.day, v.value, {DIMS}, count(*)
    FROM okno_resolutions AS x CROSS JOIN LATERAL (VALUES ({CYCLE_HOURS}, x.cycle_hours), ({LEAD_HOURS}, x.lead_hours))
         AS v(metric, value)
    GROUP BY v.metric, x.day, v.value, {DIMS}""",
    "DROP TABLE okno_resolutions",
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, reopens)
    SELECT {REOPENS}, x.day, {DIMS}, count(*)
    FROM (SELECT {_DAY.format(col="e.at")} AS day, {_T} FROM {{events}} e JOIN {{tickets}} t ON t.id = e.ticket_id
          WHERE {reopened('e')}) AS x
    GROUP BY x.day, {DIMS}""",
    # Entries into (+1) and exits from (−1) each status: the number in a status at the end of a day is the
    # running sum up to that day, whatever direction the cards moved in.
    f"""INSERT INTO {{daily}} (stream, day, {DIMS}, status_net)
    SELECT {STATUS_NET}, x.day, {DIMS}, ARRAY[{_NET}]::int[]
    FROM (SELECT {_DAY.format(col="e.at")} AS day, {_MOVES}, {_T}
          FROM {{events}} e JOIN {{tickets}} t ON t.id = e.ticket_id WHERE {placed('e')}) AS x
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
# A full build: the live tables, and their placing events already numbered by the build's one pass over them.
LIVE = {"tickets": "tickets", "events": "ticket_events", "sla": "ticket_sla", "numbered": rollup_history.NUMBERED}
# A full build whose pass over the events runs on its second connection: the resolutions number the events themselves.
UNNUMBERED = {k: v for k, v in LIVE.items() if k != "numbered"}


def aggregate(session: Session, daily: str, dist: str, sources: dict = LIVE) -> None:
    """Aggregate the tickets of `sources` (relations shaped like tickets, ticket_events, ticket_sla; `numbered`
    optional, as sql.numbered_placings) into the tables `daily` and `dist` (shaped like analytics_daily and
    analytics_dist). From the live tables (a full build) each statement may run in parallel (rollup_bulk.execute)."""
    params = {"tz": get_config().timezone}
    bulk = sources["tickets"] == "tickets"
    sources = {"numbered": numbered_placings(sources["events"])} | sources
    for sql in STATEMENTS:
        sql = sql.format(daily=daily, dist=dist, **sources)
        if bulk:
            rollup_bulk.execute(session, sql, params)
        else:
            session.execute(text(sql), params)
