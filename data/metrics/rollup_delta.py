"""Bringing the rollup up to date ticket by ticket, in time proportional to what changed.

The rollup is a sum over tickets, and a ticket's part of it is a function of its state: its attributes
(service, team, board, assignee, priority, channel), its creation and first-reply times, its status
events and the SLA outcomes of its cycles. analytics_tickets keeps, per ticket, the state the rollup last
counted (with the id of the newest event counted). A refresh takes the tickets with events newer than
that, puts their states as counted and as they are now into scratch tables shaped like tickets,
ticket_events and ticket_sla, runs the very statements that build the rollup over each (rollup.aggregate)
and adds the difference to analytics_daily and analytics_dist (a reassignment moves all of a ticket's
counts; a move adds a few; what didn't change cancels out). The smaller tables follow from that change
(data/metrics/rollup_tables.py), and analytics_monthly recomputes only the rows whose resolutions differ
(data/metrics/monthly.py). The result is the same, row for row, as a full build
(tests/test_metrics_rollup_delta.py).

The state is read once into the scratch tables and remembered from them, so what is remembered is exactly
what was counted even if tickets change while the refresh runs. Changes that write no event (a policy
edit recomputing old SLA outcomes, bulk SQL) reach the rollup with the ticket's next event, or a rebuild.
"""
from __future__ import annotations

from time import perf_counter

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.metrics import monthly, rollup_bulk, rollup_tables
from data.metrics.rollup_rows import aggregate
from data.metrics.sql import DIMS as DIM_NAMES
from data.models.analytics import CREATED, STATUS_NET
from data.tickets.status import STATUSES, placed

DIMS = ", ".join(DIM_NAMES)
_T = ", ".join(f"t.{d}" for d in DIM_NAMES)
# Events that may have committed after a refresh with a lower id than its newest one (ids are taken when a
# row is written, not when it commits) are looked for this far back; their tickets' rows say whether they
# were counted.
SLACK = 10_000
_TARGETS = "target IN ('first_response', 'resolution')"
# A ticket's state as the rollup counts it; {tickets} has the ticket columns plus last_event_id.
REMEMBER = f"""
    INSERT INTO analytics_tickets (ticket_id, last_event_id, created_at, first_response_at, {DIMS},
                                   fr_breached, res_cycles, res_breached)
    SELECT t.id, t.last_event_id, t.created_at, t.first_response_at, {_T}, s.fr, s.cycles, s.breached
    FROM {{tickets}} t
    LEFT JOIN (SELECT ticket_id, bool_or(breached) FILTER (WHERE target = 'first_response' AND cycle = 1) AS fr,
                      array_agg(cycle ORDER BY cycle) FILTER (WHERE target = 'resolution') AS cycles,
                      array_agg(breached ORDER BY cycle) FILTER (WHERE target = 'resolution') AS breached
               FROM {{sla}} WHERE {_TARGETS} GROUP BY ticket_id) AS s ON s.ticket_id = t.id"""
# The columns flow efficiency and the SLEs read too (the column entered: data/metrics/rollup_flow_delta.py).
_EVENT_COLUMNS = "e.id, e.ticket_id, e.at, e.kind, e.from_status, e.to_status, e.to_column_id"
# The scratch tables: the changed tickets' events (one index scan per partition for all of them), and their
# states as last counted (old) and as they are now (new) — the old events are those up to the newest counted.
STAGE = [
    f"""CREATE TEMPORARY TABLE okno_events ON COMMIT DROP AS
        SELECT {_EVENT_COLUMNS} FROM ticket_events e WHERE e.ticket_id = ANY(CAST(:ids AS bigint[]))""",
    f"""CREATE TEMPORARY TABLE okno_old_tickets ON COMMIT DROP AS
        SELECT a.ticket_id AS id, a.last_event_id, a.created_at, a.first_response_at, {", ".join(f"a.{d}" for d in DIM_NAMES)}
        FROM analytics_tickets a WHERE a.ticket_id = ANY(CAST(:ids AS bigint[]))""",
    f"""CREATE TEMPORARY TABLE okno_old_events ON COMMIT DROP AS
        SELECT e.* FROM okno_events e JOIN okno_old_tickets t ON t.id = e.ticket_id
        WHERE e.id <= t.last_event_id AND {placed('e')}""",
    """CREATE TEMPORARY TABLE okno_old_sla ON COMMIT DROP AS
        SELECT a.ticket_id, 'first_response'::varchar AS target, 1 AS cycle, a.fr_breached AS breached
        FROM analytics_tickets a WHERE a.ticket_id = ANY(CAST(:ids AS bigint[])) AND a.fr_breached IS NOT NULL
        UNION ALL
        SELECT a.ticket_id, 'resolution', u.cycle, u.breached
        FROM analytics_tickets a CROSS JOIN LATERAL unnest(a.res_cycles, a.res_breached) AS u(cycle, breached)
        WHERE a.ticket_id = ANY(CAST(:ids AS bigint[]))""",
    f"""CREATE TEMPORARY TABLE okno_new_tickets ON COMMIT DROP AS
        SELECT t.id, m.last AS last_event_id, t.created_at, t.first_response_at, {_T}
        FROM tickets t LEFT JOIN (SELECT ticket_id, max(id) AS last FROM okno_events GROUP BY ticket_id) AS m
          ON m.ticket_id = t.id
        WHERE t.id = ANY(CAST(:ids AS bigint[]))""",
    f"""CREATE TEMPORARY TABLE okno_new_events ON COMMIT DROP AS
        SELECT e.* FROM okno_events e JOIN okno_new_tickets t ON t.id = e.ticket_id
        WHERE e.id <= t.last_event_id AND {placed('e')}""",
    f"""CREATE TEMPORARY TABLE okno_new_sla ON COMMIT DROP AS
        SELECT s.ticket_id, s.target, s.cycle, s.breached FROM ticket_sla s
        WHERE s.ticket_id = ANY(CAST(:ids AS bigint[])) AND s.{_TARGETS}""",
]
OLD = {"tickets": "okno_old_tickets", "events": "okno_old_events", "sla": "okno_old_sla"}
NEW = {"tickets": "okno_new_tickets", "events": "okno_new_events", "sla": "okno_new_sla"}
_SCRATCH = ["okno_changed", "okno_events", *OLD.values(), *NEW.values(), "okno_old_daily", "okno_old_dist", "okno_new_daily",
            "okno_new_dist", "okno_daily_delta", "okno_dist_delta", "okno_monthly_keys"]

_DAILY_SUMS = ("created", "resolved", "resolved_sla_met", "resolved_sla_breached", "reopens")
_DAILY_ARRAYS = {"created_hours": 24, "status_net": len(STATUSES)}
_DIST_SUMS = ("n", "breached")


def _signed_array(column: str, n: int, stream: int) -> str:
    sums = ", ".join(f"sum(x.g * x.{column}[{i}])" for i in range(1, n + 1))
    return f"CASE WHEN x.stream = {stream} THEN ARRAY[{sums}]::int[] END AS {column}"


# The change per rollup key: the new states' rows minus the old states' rows, keys with no change left out.
DAILY_DELTA = f"""
    CREATE TEMPORARY TABLE okno_daily_delta ON COMMIT DROP AS
    SELECT * FROM (
        SELECT x.stream, x.day, {", ".join(f"x.{d}" for d in DIM_NAMES)},
               {", ".join(f"sum(x.g * x.{v})::int AS {v}" for v in _DAILY_SUMS)},
               {_signed_array("created_hours", 24, CREATED)}, {_signed_array("status_net", len(STATUSES), STATUS_NET)}
        FROM (SELECT 1 AS g, * FROM okno_new_daily UNION ALL SELECT -1, * FROM okno_old_daily) AS x
        GROUP BY x.stream, x.day, {", ".join(f"x.{d}" for d in DIM_NAMES)}) AS d
    WHERE NOT ({rollup_tables.empty(_DAILY_SUMS, _DAILY_ARRAYS, "d.")})"""
DIST_DELTA = f"""
    CREATE TEMPORARY TABLE okno_dist_delta ON COMMIT DROP AS
    SELECT * FROM (
        SELECT x.metric, x.day, x.value, {", ".join(f"x.{d}" for d in DIM_NAMES)},
               {", ".join(f"sum(x.g * x.{v})::int AS {v}" for v in _DIST_SUMS)}
        FROM (SELECT 1 AS g, * FROM okno_new_dist UNION ALL SELECT -1, * FROM okno_old_dist) AS x
        GROUP BY x.metric, x.day, x.value, {", ".join(f"x.{d}" for d in DIM_NAMES)}) AS d
    WHERE NOT ({rollup_tables.empty(_DIST_SUMS, {}, "d.")})"""


def remember_all(session: Session, side=None) -> None:
    """Remember every ticket's state as a full build counts it (rollup.rebuild, in the same snapshot; on its
    second connection `side` when given, whose rows its finish() copies in; the build takes the table's
    statistics afterwards)."""
    session.execute(text("TRUNCATE analytics_tickets"))
    sql = REMEMBER.format(sla="ticket_sla", tickets=f"""
        (SELECT t.id, m.last AS last_event_id, t.created_at, t.first_response_at, {_T} FROM tickets t
         LEFT JOIN (SELECT ticket_id, max(id) AS last FROM ticket_events GROUP BY ticket_id) AS m ON m.ticket_id = t.id)""")
    if side is not None:
        side.execute(sql)
    else:
        rollup_bulk.execute(session, sql)


def _changed(session: Session, since: int) -> int:
    """Collect into okno_changed the tickets with events the rollup hasn't counted; returns how many."""
    session.execute(text("""
        CREATE TEMPORARY TABLE okno_changed ON COMMIT DROP AS
        SELECT DISTINCT e.ticket_id FROM ticket_events e LEFT JOIN analytics_tickets a ON a.ticket_id = e.ticket_id
        WHERE e.id > :since AND e.id > coalesce(a.last_event_id, 0)"""), {"since": since - SLACK})
    session.execute(text("ALTER TABLE okno_changed ADD PRIMARY KEY (ticket_id)"))
    session.execute(text("ANALYZE okno_changed"))
    return session.execute(text("SELECT count(*) FROM okno_changed")).scalar()


def _scratch(session: Session, name: str, like: str) -> None:
    session.execute(text(f"CREATE TEMPORARY TABLE {name} (LIKE {like} INCLUDING DEFAULTS) ON COMMIT DROP"))
    session.execute(text(f"ALTER TABLE {name} DROP COLUMN id"))


def refresh(session: Session, since: int, timings: dict | None = None) -> int:
    """Add to the rollup what changed in the tickets with events after `since` (the last refresh's newest
    event) or not yet counted; returns the number of tickets redone. `timings` collects seconds per step."""
    clock = [perf_counter()]

    def step(name: str) -> None:
        if timings is not None:
            now = perf_counter()
            timings[name] = round(timings.get(name, 0) + now - clock[0], 3)
            clock[0] = now
    session.execute(text(f"DROP TABLE IF EXISTS {', '.join(_SCRATCH)}"))
    n = _changed(session, since)
    step("changed tickets")
    if not n:
        return 0
    ids = session.execute(text("SELECT array_agg(ticket_id) FROM okno_changed")).scalar()
    for sql in STAGE:
        session.execute(text(sql), {"ids": ids})
        session.execute(text(f"ANALYZE {sql.split('TABLE ')[1].split()[0]}"))
    for sla in (OLD["sla"], NEW["sla"]):  # each resolution looks up its cycle's outcomes
        session.execute(text(f"CREATE INDEX ON {sla} (ticket_id)"))
    step("their states (old, new)")
    for state, sources in (("old", OLD), ("new", NEW)):
        _scratch(session, f"okno_{state}_daily", "analytics_daily")
        _scratch(session, f"okno_{state}_dist", "analytics_dist")
        aggregate(session, f"okno_{state}_daily", f"okno_{state}_dist", sources)
    step("their rollup rows (old, new)")
    session.execute(text(DAILY_DELTA))
    session.execute(text(DIST_DELTA))
    rollup_tables.add(session, "analytics_daily", "stream, day, " + DIMS, _DAILY_SUMS, "SELECT * FROM okno_daily_delta",
                      _DAILY_ARRAYS)
    rollup_tables.add(session, "analytics_dist", "metric, day, value, " + DIMS, _DIST_SUMS,
                      "SELECT * FROM okno_dist_delta")
    step("analytics_daily, analytics_dist")
    rollup_tables.follow(session)
    step("smaller tables")
    session.execute(text(monthly.changed_keys("okno_monthly_keys")))
    monthly.recompute(session, "okno_monthly_keys")
    step("analytics_monthly")
    session.execute(text("DELETE FROM analytics_tickets WHERE ticket_id IN (SELECT ticket_id FROM okno_changed)"))
    session.execute(text(REMEMBER.format(**NEW)))
    step("remember states")
    return n
