"""SQL fragments shared by the metric queries, so each definition is written once (docs/analytics.md).

Every period figure is computed from the append-only event history as it was then: a resolution is
an entry into done (a ticket resolved twice counts twice, each in its own period), a reopen is a
move out of done, a ticket is open at an instant by its last status event before it. Times are
whole hours (cycle and lead time) or whole minutes (first response): values are defined at that
precision, so the rollup can keep them as exact counts per value and its percentiles equal these.

Expressions refer to the tickets table as `t`; calendar days are local days in the company's time
zone (bound as :tz); the metric range is [:start, :end) with local days :d_from .. :d_to.
"""
from __future__ import annotations

from data.errors import ValidationError
from data.tickets.status import DONE, IN_PROGRESS, placed, reopened


# The ticket attributes analytics filter and group by (the rollup keeps one row per combination).
DIMS = ("service_id", "team_id", "board_id", "assignee_id", "priority_id", "channel")


def hours(a: str, b: str) -> str:
    """Elapsed time from `a` to `b` in whole hours (rounded to the nearest hour)."""
    return f"(round(extract(epoch FROM ({b}) - ({a})) / 3600.0)::int)"


def minutes(a: str, b: str) -> str:
    """Elapsed time from `a` to `b` in whole minutes (rounded to the nearest minute)."""
    return f"(round(extract(epoch FROM ({b}) - ({a})) / 60.0)::int)"


def resolutions(tickets: str | None, events: str = "ticket_events", numbered: str | None = None) -> str:
    """One row per resolution (entry into done) of the tickets whose ids `tickets` selects (None: of every
    ticket — one pass over the events instead of a lookup of each ticket's).

    Columns: ticket_id, cycle (0 for the first, +1 after each reopen), done_at, begin_at (creation,
    or the reopen that began the cycle), started_at (first entry into in-progress in the cycle) and
    cycle_hours: cycle time = started → done, or begin → done when the cycle never entered in-progress.
    The SLA clock numbers its resolution cycles the same way (ticket_sla.cycle = cycle + 1). `numbered`: the
    placing events already numbered so (ticket_id, at, from_status, to_status, cycle), as a full build has them
    (data/metrics/rollup_history.py).
    """
    return f"""
    SELECT c.ticket_id, c.cycle, c.done_at, c.begin_at, c.started_at,
           {hours("coalesce(c.started_at, c.begin_at)", "c.done_at")} AS cycle_hours
    FROM (SELECT x.ticket_id, x.cycle, min(x.at) AS begin_at,
                 min(x.at) FILTER (WHERE x.to_status = '{IN_PROGRESS}') AS started_at,
                 min(x.at) FILTER (WHERE x.to_status = '{DONE}' AND x.from_status IS DISTINCT FROM '{DONE}') AS done_at
          FROM ({numbered or numbered_placings(events, tickets)}) AS x
          GROUP BY x.ticket_id, x.cycle) AS c
    WHERE c.done_at IS NOT NULL"""


def numbered_placings(events: str = "ticket_events", tickets: str | None = None) -> str:
    """The placing events of the tickets `tickets` selects (None: all) numbered by `resolutions`' cycle:
    ticket_id, at, from_status, to_status, cycle (reopens so far)."""
    return f"""
        SELECT e.ticket_id, e.at, e.from_status, e.to_status,
               count(*) FILTER (WHERE {reopened('e')}) OVER (PARTITION BY e.ticket_id ORDER BY e.at, e.id) AS cycle
        FROM {events} e WHERE {placed('e')}{"" if tickets is None else f" AND e.ticket_id IN ({tickets})"}"""


def resolved_in(lo: str, hi: str, tickets_where: str = "TRUE", tickets: str = "tickets",
                events: str = "ticket_events") -> str:
    """Ids of tickets (matching `tickets_where` on `t`) with an entry into done in [lo, hi)."""
    return (f"SELECT e.ticket_id FROM {events} e JOIN {tickets} t ON t.id = e.ticket_id"
            f" WHERE {placed('e')} AND e.to_status = '{DONE}' AND e.from_status IS DISTINCT FROM '{DONE}'"
            f" AND e.at >= {lo} AND e.at < {hi} AND {tickets_where}")


def resolution_rows(w: str, lo: str = ":start", hi: str = ":end", *, tickets: str = "tickets",
                    events: str = "ticket_events", sla: str = "ticket_sla", number: str = "t.number",
                    narrow: bool = True, numbered: str | None = None) -> str:
    """Resolutions in [lo, hi) of the tickets matching `w`, joined to their ticket `t`, with lead time and
    the cycle's SLA outcome: `r.*`, lead_hours, sla_met (1 met, 0 breached, NULL when no SLA applies).

    `tickets`, `events` and `sla` name the relations read (the rollup passes a few tickets' states as they
    are now, or as it last counted them: data/metrics/rollup_delta.py). `narrow=False` reads the events of
    every ticket instead of looking up those resolved in the range, one by one (the rollup's range is
    everything: the same rows, found by one pass); `numbered` then passes on resolutions' (its events numbered)."""
    if narrow:
        return f"""
    SELECT r.*, {hours("t.created_at", "r.done_at")} AS lead_hours, {cycle_sla_met("r", sla)} AS sla_met,
           {number} AS number, {", ".join(f"t.{d}" for d in DIMS)}
    FROM ({resolutions(resolved_in(lo, hi, w, tickets, events), events)}) AS r JOIN {tickets} t ON t.id = r.ticket_id
    WHERE r.done_at >= {lo} AND r.done_at < {hi}"""
    # Every resolution: the outcomes of all cycles joined at once rather than looked up one resolution at a time.
    return f"""
    SELECT r.*, {hours("t.created_at", "r.done_at")} AS lead_hours,
           CASE WHEN o.n IS NULL THEN NULL WHEN o.breached THEN 0 ELSE 1 END AS sla_met,
           {number} AS number, {", ".join(f"t.{d}" for d in DIMS)}
    FROM ({resolutions(None, events, numbered)}) AS r JOIN {tickets} t ON t.id = r.ticket_id
    LEFT JOIN ({cycle_sla_outcomes(sla)}) AS o ON o.ticket_id = r.ticket_id AND o.cycle = r.cycle
    WHERE r.done_at >= {lo} AND r.done_at < {hi} AND ({w})"""


def cycle_sla_met(r: str = "r", sla: str = "ticket_sla") -> str:
    """The SLA outcome of one resolution cycle: its resolution target and, for the first cycle, the first
    response target (ticket_sla, kept by the SLA engine). NULL when no target applied to the ticket."""
    return (f"(SELECT CASE WHEN count(*) = 0 THEN NULL WHEN bool_or(s.breached) THEN 0 ELSE 1 END"
            f" FROM {sla} s WHERE s.ticket_id = {r}.ticket_id AND ((s.target = 'resolution' AND s.cycle = {r}.cycle + 1)"
            f" OR (s.target = 'first_response' AND s.cycle = 1 AND {r}.cycle = 0)))")


def cycle_sla_outcomes(sla: str = "ticket_sla") -> str:
    """cycle_sla_met's targets of every resolution cycle at once: per ticket and cycle (0 for the first) the
    number of targets that apply (n) and whether any was breached — the same rows, grouped instead of looked up."""
    return (f"SELECT x.ticket_id, x.cycle, count(*) AS n, bool_or(x.breached) AS breached FROM ("
            f"SELECT s.ticket_id, s.cycle - 1 AS cycle, s.breached FROM {sla} s WHERE s.target = 'resolution'"
            f" UNION ALL SELECT s.ticket_id, 0, s.breached FROM {sla} s WHERE s.target = 'first_response'"
            f" AND s.cycle = 1) AS x GROUP BY x.ticket_id, x.cycle")


# Cycle time of a resolution in days (hours precision), lead time and first response likewise.
CYCLE_DAYS = "(r.cycle_hours / 24.0)"
LEAD_DAYS = "(r.lead_hours / 24.0)"
# First response: created → first public agent reply, whole minutes; counted in the period the reply was made.
FIRST_RESPONSE_MINUTES = minutes("t.created_at", "t.first_response_at")
FIRST_RESPONSE_IN_RANGE = "t.first_response_at >= :start AND t.first_response_at < :end"
CREATED_IN_RANGE = "t.created_at >= :start AND t.created_at < :end"
REOPENS_IN_RANGE = f"{reopened('e')} AND e.at >= :start AND e.at < :end"

# The only grains; a value reaches SQL through this mapping, never as given (a request can choose the
# grain, and `assert` checks vanish under `python -O`).
_GRAIN_SQL = {"day": ("'day'", "interval '1 day'"), "week": ("'week'", "interval '1 week'"),
              "month": ("'month'", "interval '1 month'")}
GRAINS = tuple(_GRAIN_SQL)


def grain_sql(grain: str) -> tuple[str, str]:
    """(date_trunc unit literal, interval literal) for a known grain; anything else is a ValidationError."""
    found = _GRAIN_SQL.get(grain) if isinstance(grain, str) else None
    if found is None:
        raise ValidationError("errors.bad_grain", {"grain": "errors.bad_grain"})
    return found


def buckets(grain: str) -> str:
    """Local calendar buckets covering [:d_from, :d_to], zero periods included, each with `partial`: the
    bucket reaches outside the range or past today (a partial week or month is drawn apart and left
    out of averages and trends)."""
    unit, step = grain_sql(grain)
    return (f"SELECT g::date AS bucket, (g < CAST(:d_from AS timestamp) OR g + {step} > CAST(:d_to AS timestamp)"
            f" + interval '1 day' OR g + {step} > (now() AT TIME ZONE :tz)::date) AS partial"
            f" FROM generate_series(date_trunc({unit}, CAST(:d_from AS timestamp)),"
            f" CAST(:d_to AS timestamp), {step}) AS g")


def bucket_of(column: str, grain: str) -> str:
    unit, _ = grain_sql(grain)
    return f"date_trunc({unit}, {column} AT TIME ZONE :tz)::date"


def auto_grain(days: int) -> str:
    """Days for up to two months, weeks up to a year and a half, months beyond."""
    return "day" if days <= 62 else "week" if days <= 550 else "month"
