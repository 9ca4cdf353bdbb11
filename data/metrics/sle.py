"""Service-level expectations per column (ActionableAgile's aging chart bands), from the event history.

For the tickets resolved in the period: the age at which each LEFT each column it passed through, the
last time before its (last) resolution in the period — a ticket moved back and forward leaves with its
later, larger age. Age is measured as the aging chart measures it: calendar days (company time zone)
since work started, or since creation while it had not started yet, counting the first day as 1.
SLE p = the p-th percentile of those ages (percentile_cont, exact) per column and per status (for
charts that group several boards' columns by status). An open card older than its column's 85% has
stayed longer than 85% of the finished ones did.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.stays import resolved_in_range, stays
from data.tickets.status import DONE, IN_PROGRESS


def column_sle(session: Session, actor: User, f: TicketFilter, fractions=PERCENTILES) -> dict:
    """{"columns": {column_id: {"n", fraction: days…}}, "statuses": {status: {"n", fraction: days…}}}."""
    require_analytics(actor)
    w, params = where(f)
    found = rows(session, f"""
        WITH s AS ({stays(resolved_in_range(w))}),
        fin AS (SELECT ticket_id, max(since) AS done_at FROM s WHERE resolves AND since >= :start GROUP BY 1),
        began AS (SELECT s.ticket_id, min(s.since) FILTER (WHERE s.status = '{IN_PROGRESS}') AS started,
                         min(t.created_at) AS created
                  FROM s JOIN tickets t ON t.id = s.ticket_id GROUP BY 1),
        left_at AS (SELECT s.ticket_id, s.column_id, min(s.status) AS status, max(s.until) AS at
                    FROM s JOIN fin USING (ticket_id)
                    WHERE s.status <> '{DONE}' AND s.until IS NOT NULL AND s.until <= fin.done_at
                    GROUP BY 1, 2),
        ages AS (SELECT l.column_id, l.status,
                        (l.at AT TIME ZONE :tz)::date
                          - (CASE WHEN b.started < l.at THEN b.started ELSE b.created END AT TIME ZONE :tz)::date + 1
                          AS age
                 FROM left_at l JOIN began b USING (ticket_id))
        SELECT column_id, status, count(*) AS n,
               percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY age) AS p
        FROM ages GROUP BY GROUPING SETS ((column_id), (status))""",
                 params | range_params(f) | {"fractions": list(fractions)})
    out: dict = {"columns": {}, "statuses": {}}
    for r in found:
        value = {"n": r["n"], **dict(zip(fractions, r["p"]))}
        if r["column_id"] is not None:
            out["columns"][r["column_id"]] = value
        else:
            out["statuses"][r["status"]] = value
    return out
