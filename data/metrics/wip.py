"""Work in progress per day (ActionableAgile's WIP run chart), from the event history.

WIP on a day = the tickets that were in an in-progress column (optionally also in a waiting column) at
the end of that day in the company's time zone: by their last placing event before the next local
midnight. Today's value is the state now; today is partial and left out of the average.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, today, where
from data.metrics.stays import present_in_range, stays
from data.tickets.status import IN_PROGRESS

WAITING = "waiting"


def wip_run(session: Session, actor: User, f: TicketFilter, *, with_waiting: bool = False) -> dict:
    """{"days": [{"day", "wip", "partial"}], "average": mean of the whole days (None without any),
    "statuses": the statuses counted}. Days after today are not shown."""
    require_analytics(actor)
    statuses = [IN_PROGRESS, WAITING] if with_waiting else [IN_PROGRESS]
    last = min(f.date_to, today())
    if last < f.date_from:
        return {"days": [], "average": None, "statuses": statuses}
    if rollup.usable(session, f):
        # The cumulative flow's bands are the same counts: tickets in each status at the end of each day, a
        # running sum of the rollup's net entries (thousands of rows a year instead of every stay).
        found = [{"day": r["day"], "wip": sum(r[s] for s in statuses)}
                 for r in daily.cumulative_flow(session, replace(f, date_to=last))]
    else:
        found = _live(session, f, statuses, last)
    now_day = today()
    days = [{"day": r["day"], "wip": r["wip"], "partial": r["day"] >= now_day} for r in found[1:]]
    whole = [d["wip"] for d in days if not d["partial"]]
    return {"days": days, "average": sum(whole) / len(whole) if whole else None, "statuses": statuses}


def _live(session: Session, f: TicketFilter, statuses: list[str], last) -> list[dict]:
    """Per day from the day before the range to `last`: the tickets in `statuses` at its end, from the stays."""
    w, params = where(f)
    # A stay counts on the local days [its first day, the day it ended − 1]: +1 on the day it began
    # (stays from before the period on the day before it), −1 on the day it ended.
    return rows(session, f"""
        WITH s AS ({stays(present_in_range(w))}),
        counted AS (SELECT since, until FROM s WHERE status = ANY(:statuses) AND (until IS NULL OR until >= :start)),
        delta AS (
          SELECT greatest((since AT TIME ZONE :tz)::date, CAST(:d_from AS date) - 1) AS day, 1 AS n FROM counted
          UNION ALL
          SELECT (until AT TIME ZONE :tz)::date, -1 FROM counted WHERE until IS NOT NULL),
        per AS (SELECT day, sum(n) AS n FROM delta GROUP BY day),
        grid AS (SELECT g::date AS day FROM generate_series(CAST(:d_from AS timestamp) - interval '1 day',
                                                          CAST(:last AS timestamp), interval '1 day') AS g)
        SELECT grid.day, (sum(coalesce(per.n, 0)) OVER (ORDER BY grid.day))::int AS wip
        FROM grid LEFT JOIN per USING (day) ORDER BY grid.day""",
                params | range_params(f) | {"statuses": statuses, "last": last})
