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

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, daily, require_analytics, rollup, rollup_flow, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import resolved_in
from data.metrics.stays import left_ages


def column_sle(session: Session, actor: User, f: TicketFilter, fractions=PERCENTILES) -> dict:
    """{"columns": {column_id: {"n", fraction: days…}}, "statuses": {status: {"n", fraction: days…}}}."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return _from_rollup(session, f, fractions)
    w, params = where(f)
    found = rows(session, f"""
        SELECT column_id, status, count(*) AS n,
               percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY l.hours / 24.0) AS p
        FROM ({left_ages(resolved_in(":start", ":end", w))}) l GROUP BY GROUPING SETS ((column_id), (status))""",
                 params | range_params(f) | {"fractions": list(fractions)})
    out: dict = {"columns": {}, "statuses": {}}
    for r in found:
        value = {"n": r["n"], **dict(zip(fractions, r["p"]))}
        if r["column_id"] is not None:
            out["columns"][r["column_id"]] = value
        else:
            out["statuses"][r["status"]] = value
    return out


def _from_rollup(session: Session, f: TicketFilter, fractions) -> dict:
    """The same from the rollup's exact counts per whole hour (data/metrics/rollup_flow.py): one row per column,
    status and hour comes back (the statuses' counts are those rows summed), and the percentiles are merged from
    them (daily.hist_percentile: percentile_cont's)."""
    source, params = rollup_flow.sle_source(f)
    # Tens of thousands of plain tuples (rows()' dicts would cost more than the query).
    found = session.execute(text(f"""
        SELECT r.column_id, r.status, r.hours, sum(r.n)::int AS n FROM ({source}) r
        GROUP BY r.column_id, r.status, r.hours"""), params).all()
    groups: dict = {}
    for column_id, status, hours, n in found:
        for key in (("columns", column_id), ("statuses", status)):
            per_hour = groups.setdefault(key, {})
            per_hour[hours] = per_hour.get(hours, 0) + n
    out: dict = {"columns": {}, "statuses": {}}
    for (kind, key), per_hour in groups.items():
        if key is None:  # a placing event always names its column and status
            continue
        counts = sorted(per_hour.items())
        out[kind][key] = {"n": sum(per_hour.values()), **{p: daily.hist_percentile(counts, p) / 24.0 for p in fractions}}
    return out
