"""SQL fragments shared by the metric queries, so each definition is written once.

All expressions refer to the tickets table as `t`. Calendar days are local days in the
company's time zone (bound as :tz). What done, reopened and open mean is data/tickets/status.py's;
the names here bind those definitions to the metric range (:start, :end).
"""
from __future__ import annotations

from data.errors import ValidationError
from data.tickets.status import done_between

# ActionableAgile's cycle time: end date − start date + 1, calendar days. Start is the first entry
# into an in-progress column (tickets.started_at, set by data.tickets.actions.move from the same event);
# a ticket that skipped in-progress starts when it reaches done, so it counts as one day.
CYCLE_DAYS = ("(((t.resolved_at AT TIME ZONE :tz)::date"
              " - (coalesce(t.started_at, t.resolved_at) AT TIME ZONE :tz)::date) + 1)")
# Lead time: created → done, elapsed days (fractional).
LEAD_DAYS = "(extract(epoch FROM t.resolved_at - t.created_at) / 86400.0)"
# Handling time: work started → done, elapsed days (fractional); a ticket that never entered
# in-progress is handled from its creation.
HANDLE_DAYS = "(extract(epoch FROM t.resolved_at - coalesce(t.started_at, t.created_at)) / 86400.0)"
# First response: created → first public agent reply, hours.
FIRST_RESPONSE_HOURS = "(extract(epoch FROM t.first_response_at - t.created_at) / 3600.0)"
# 1 = every SLA target met, 0 = some target breached, NULL = no SLA applies (both columns NULL).
SLA_MET = ("(CASE WHEN t.sla_first_response_breached IS NULL AND t.sla_resolution_breached IS NULL THEN NULL"
           " WHEN coalesce(t.sla_first_response_breached, false) OR coalesce(t.sla_resolution_breached, false)"
           " THEN 0 ELSE 1 END)")
DONE_IN_RANGE = done_between(":start", ":end")
CREATED_IN_RANGE = "t.created_at >= :start AND t.created_at < :end"

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
    """Local calendar buckets covering [:d_from, :d_to], zero periods included."""
    unit, step = grain_sql(grain)
    return (f"SELECT g::date AS bucket FROM generate_series(date_trunc({unit}, CAST(:d_from AS timestamp)),"
            f" CAST(:d_to AS timestamp), {step}) AS g")


def bucket_of(column: str, grain: str) -> str:
    unit, _ = grain_sql(grain)
    return f"date_trunc({unit}, {column} AT TIME ZONE :tz)::date"


def auto_grain(days: int) -> str:
    """Days for up to two months, weeks up to a year and a half, months beyond."""
    return "day" if days <= 62 else "week" if days <= 550 else "month"
