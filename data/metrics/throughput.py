"""The throughput histogram (ActionableAgile): on how many days 0, 1, 2, … tickets were done.

Daily throughput = resolving events (entries into done from another status) per local day of the
period, zero days included; a ticket resolved twice counts on both days. Today is partial and left
out (so is any day after it). Percentile markers read the way forecasts use them: "on 85% of the days
at least N tickets were done" is the 15th percentile of the daily counts (percentile_disc: a count
that really occurred).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, today, where
from data.metrics.stays import resolving
from data.models.analytics import RESOLVED
from data.tickets.filters import local_midnight

AT_LEAST = (0.5, 0.85, 0.95)  # "on this share of days, at least …"


def daily_histogram(session: Session, actor: User, f: TicketFilter) -> dict:
    """{"days": whole days counted, "bins": [{"done", "days"}] from 0 to the maximum with empty bins,
    "at_least": {share: count}, "mean": done per day, "partial_left_out": today was in the period}."""
    require_analytics(actor)
    last = min(f.date_to, today() - timedelta(days=1))
    empty = {"days": 0, "bins": [], "at_least": {}, "mean": None, "partial_left_out": f.date_to >= today()}
    if last < f.date_from:
        return empty
    if rollup.usable(session, f):
        # The rollup's resolutions per day are these counts (an entry into done is a resolution): a few
        # thousand rows a year instead of every resolving event.
        w, params = where(f, alias="r")
        per_day = (f"SELECT r.day, sum(r.resolved) AS n FROM {daily.table(f)} r WHERE {w} AND r.stream = {RESOLVED}"
                   f" AND r.day >= :d_from AND r.day <= :last GROUP BY 1")
    else:
        w, params = where(f)
        per_day = (f"SELECT (e.at AT TIME ZONE :tz)::date AS day, count(*) AS n"
                   f" FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id"
                   f" WHERE {w} AND {resolving('e')} AND e.at >= :start AND e.at < :stop GROUP BY 1")
    found = rows(session, f"""
        WITH r AS ({per_day}),
        per AS (SELECT coalesce(r.n, 0) AS n
                FROM generate_series(CAST(:d_from AS timestamp), CAST(:last AS timestamp), interval '1 day') AS g
                LEFT JOIN r ON r.day = g::date),
        p AS (SELECT percentile_disc(CAST(:shares AS float8[])) WITHIN GROUP (ORDER BY n) AS at_least FROM per)
        SELECT per.n AS done, count(*) AS days, min(p.at_least) AS at_least FROM per, p GROUP BY per.n ORDER BY 1""",
                 params | range_params(f) | {"last": last, "stop": local_midnight(last + timedelta(days=1)),
                                             "shares": [1 - s for s in AT_LEAST]})
    if not found:
        return empty
    counts = {r["done"]: r["days"] for r in found}
    total_days = sum(counts.values())
    return {"days": total_days,
            "bins": [{"done": n, "days": counts.get(n, 0)} for n in range(max(counts) + 1)],
            "at_least": dict(zip(AT_LEAST, found[0]["at_least"])),
            "mean": sum(n * d for n, d in counts.items()) / total_days,
            "partial_left_out": f.date_to >= today()}
