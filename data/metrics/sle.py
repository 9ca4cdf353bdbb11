"""Service-level expectations per column (ActionableAgile's aging chart bands), from the event history.

For each resolution in the period (a ticket resolved twice counts twice, each with its own cycle): the
age at which the ticket LEFT each column it passed through in that cycle — the last time, so a ticket
moved back and forward leaves with its later, larger age. Age runs on the aging chart's clock (the clock
of cycle time): days with hours precision since work started in the cycle, or since the cycle began
(creation or the reopen) while it had not started yet, at least one hour.
SLE p = the p-th percentile of those ages (percentile_cont, exact) per column and per status (for
charts that group several boards' columns by status). An open card older than its column's 85% has
stayed longer than 85% of the finished ones did.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import hours, resolved_in
from data.metrics.stays import stays
from data.tickets.status import DONE, IN_PROGRESS


def column_sle(session: Session, actor: User, f: TicketFilter, fractions=PERCENTILES) -> dict:
    """{"columns": {column_id: {"n", fraction: days…}}, "statuses": {status: {"n", fraction: days…}}}."""
    require_analytics(actor)
    w, params = where(f)
    clock = "CASE WHEN l.started < l.left_at THEN l.started ELSE l.begin_at END"
    found = rows(session, f"""
        WITH c AS (
          SELECT s.*, min(s.since) FILTER (WHERE s.status <> '{DONE}') OVER p AS begin_at,
                 min(s.since) FILTER (WHERE s.status = '{IN_PROGRESS}') OVER p AS started,
                 max(s.since) FILTER (WHERE s.resolves) OVER p AS done_at
          FROM ({stays(resolved_in(":start", ":end", w))}) s
          WINDOW p AS (PARTITION BY s.ticket_id, s.cycle)),
        l AS (SELECT ticket_id, cycle, column_id, min(status) AS status, max(until) AS left_at,
                     min(begin_at) AS begin_at, min(started) AS started
              FROM c WHERE done_at >= :start AND done_at < :end AND status <> '{DONE}' AND until <= done_at
              GROUP BY ticket_id, cycle, column_id)
        SELECT column_id, status, count(*) AS n,
               percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP
                 (ORDER BY greatest({hours(clock, "l.left_at")}, 1) / 24.0) AS p
        FROM l GROUP BY GROUPING SETS ((column_id), (status))""",
                 params | range_params(f) | {"fractions": list(fractions)})
    out: dict = {"columns": {}, "statuses": {}}
    for r in found:
        value = {"n": r["n"], **dict(zip(fractions, r["p"]))}
        if r["column_id"] is not None:
            out["columns"][r["column_id"]] = value
        else:
            out["statuses"][r["status"]] = value
    return out
