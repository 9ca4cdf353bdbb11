"""SLA outcomes per resolution cycle (met vs breached) and the first-response time distribution.

A resolution's SLA outcome is its cycle's: the resolution target of that cycle and, for the first one,
the first-response target (ticket_sla, kept by data/sla from the event history; a reopened ticket's
earlier cycle keeps its own outcome). Tickets without SLA targets are left out (not counted as met).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, daily, one, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CREATED_IN_RANGE, FIRST_RESPONSE_IN_RANGE, FIRST_RESPONSE_MINUTES, bucket_of, buckets, \
    resolution_rows

RESPONSE_BINS_HOURS = (0, 0.05, 0.25, 0.5, 1, 2, 4, 8, 24, 48, 72)  # 3 min, 15 min, ... 3 days, more
_FR_BREACHED = ("EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.target = 'first_response'"
                " AND s.cycle = 1 AND s.breached)")


def by_week(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Per week (of resolution): resolutions with an SLA whose cycle met every target, and those that
    breached one; `partial` marks weeks cut by the range or not over yet."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.sla_by_week(session, f)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets('week')}),
        s AS (SELECT {bucket_of('r.done_at', 'week')} AS bucket, count(*) FILTER (WHERE r.sla_met = 1) AS met,
                     count(*) FILTER (WHERE r.sla_met = 0) AS breached
              FROM ({resolution_rows(w)}) AS r GROUP BY 1)
        SELECT b.bucket, b.partial, coalesce(s.met, 0) AS met, coalesce(s.breached, 0) AS breached
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params | range_params(f))


def by_priority(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Met and breached resolutions per priority (most urgent first); tickets without priority come last."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.sla_by_priority(session, f)
    w, params = where(f)
    return rows(session, f"""
        SELECT p.id AS priority_id, p.name_en, p.name_ru, p.color,
               count(*) FILTER (WHERE r.sla_met = 1) AS met, count(*) FILTER (WHERE r.sla_met = 0) AS breached
        FROM ({resolution_rows(w)}) AS r LEFT JOIN priorities p ON p.id = r.priority_id
        WHERE r.sla_met IS NOT NULL
        GROUP BY p.id ORDER BY p.rank NULLS LAST""", params | range_params(f))


def first_response(session: Session, actor: User, f: TicketFilter) -> dict:
    """First responses made in the range (created → first public agent reply) in bins with their SLA breaches,
    exact percentiles (hours), and how many tickets created in the range had no reply by its end."""
    require_analytics(actor)
    w, params = where(f)
    params |= range_params(f)
    if rollup.usable(session, f):
        out = daily.first_response(session, f, RESPONSE_BINS_HOURS, PERCENTILES)
    else:
        out = _first_response_live(session, w, params)
    out["unanswered"] = one(session, f"""
        SELECT count(*) AS n FROM tickets t WHERE {w} AND {CREATED_IN_RANGE}
          AND (t.first_response_at IS NULL OR t.first_response_at >= :end)""", params)["n"]
    return out


def _first_response_live(session: Session, w: str, params: dict) -> dict:
    edges = [float(e) * 60 for e in RESPONSE_BINS_HOURS]
    found = rows(session, f"""
        SELECT width_bucket({FIRST_RESPONSE_MINUTES}, CAST(:edges AS float8[])) AS bin, count(*) AS n,
               count(*) FILTER (WHERE {_FR_BREACHED}) AS breached
        FROM tickets t WHERE {w} AND {FIRST_RESPONSE_IN_RANGE} GROUP BY 1 ORDER BY 1""", params | {"edges": edges})
    stats = one(session, f"""
        SELECT count(*) AS n, percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY {FIRST_RESPONSE_MINUTES}) AS p
        FROM tickets t WHERE {w} AND {FIRST_RESPONSE_IN_RANGE}""", params | {"fractions": list(PERCENTILES)})
    by_bin = {r["bin"]: r for r in found}
    bins = []
    for i, low in enumerate(RESPONSE_BINS_HOURS, start=1):  # width_bucket: 1..len(edges); the last is open-ended
        high = RESPONSE_BINS_HOURS[i] if i < len(RESPONSE_BINS_HOURS) else None
        r = by_bin.get(i, {"n": 0, "breached": 0})
        bins.append({"from_hours": low, "to_hours": high, "count": r["n"], "breached": r["breached"]})
    p = stats.get("p") or [None] * len(PERCENTILES)
    return {"bins": bins, "total": stats.get("n", 0),
            "percentiles": {k: None if v is None else v / 60.0 for k, v in zip(PERCENTILES, p)}}
