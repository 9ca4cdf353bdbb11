"""SLA outcomes of done tickets (met vs breached) and the first-response time distribution.

The SLA columns on tickets are kept by data/sla/recompute.py; NULL in both means no SLA applies to the
ticket, and such tickets are left out of the SLA figures (not counted as met).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, daily, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CREATED_IN_RANGE, DONE_IN_RANGE, FIRST_RESPONSE_HOURS, SLA_MET, bucket_of, buckets

RESPONSE_BINS_HOURS = (0, 0.05, 0.25, 0.5, 1, 2, 4, 8, 24, 48, 72)  # 3 min, 15 min, ... 3 days, more


def by_week(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Per week (of resolution): done tickets with an SLA that met every target, and those that breached one."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.sla_by_week(session, f)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets('week')}),
        s AS (SELECT {bucket_of('t.resolved_at', 'week')} AS bucket, count(*) FILTER (WHERE {SLA_MET} = 1) AS met,
                     count(*) FILTER (WHERE {SLA_MET} = 0) AS breached
              FROM tickets t WHERE {w} AND {DONE_IN_RANGE} GROUP BY 1)
        SELECT b.bucket, coalesce(s.met, 0) AS met, coalesce(s.breached, 0) AS breached
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params | range_params(f))


def by_priority(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Met and breached per priority (most urgent first); tickets without priority come last."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.sla_by_priority(session, f)
    w, params = where(f)
    return rows(session, f"""
        SELECT p.id AS priority_id, p.name_en, p.name_ru, p.color,
               count(*) FILTER (WHERE {SLA_MET} = 1) AS met, count(*) FILTER (WHERE {SLA_MET} = 0) AS breached,
               count(*) FILTER (WHERE t.sla_first_response_breached) AS first_response_breached,
               count(*) FILTER (WHERE t.sla_resolution_breached) AS resolution_breached
        FROM tickets t LEFT JOIN priorities p ON p.id = t.priority_id
        WHERE {w} AND {DONE_IN_RANGE} AND {SLA_MET} IS NOT NULL
        GROUP BY p.id ORDER BY p.rank NULLS LAST""", params | range_params(f))


def first_response(session: Session, actor: User, f: TicketFilter) -> dict:
    """Tickets created in the range by time to first public reply (bins), percentiles, and how many have none.

    From the rollup the percentiles are estimated within its fine bins (docs/analytics.md)."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.first_response(session, f, RESPONSE_BINS_HOURS)
    w, params = where(f)
    edges = [float(e) for e in RESPONSE_BINS_HOURS]
    found = rows(session, f"""
        SELECT width_bucket({FIRST_RESPONSE_HOURS}, CAST(:edges AS float8[])) AS bin, count(*) AS n,
               count(*) FILTER (WHERE t.sla_first_response_breached) AS breached
        FROM tickets t WHERE {w} AND {CREATED_IN_RANGE} AND t.first_response_at IS NOT NULL
        GROUP BY 1 ORDER BY 1""", params | range_params(f) | {"edges": edges})
    stats = rows(session, f"""
        SELECT percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY {FIRST_RESPONSE_HOURS}) AS p,
               count(*) FILTER (WHERE t.first_response_at IS NULL) AS unanswered
        FROM tickets t WHERE {w} AND {CREATED_IN_RANGE}""", params | range_params(f) | {"fractions": list(PERCENTILES)})
    by_bin = {r["bin"]: r for r in found}
    bins = []
    for i, low in enumerate(edges, start=1):  # width_bucket: 1..len(edges); len(edges) = beyond the last edge
        high = edges[i] if i < len(edges) else None
        r = by_bin.get(i, {"n": 0, "breached": 0})
        bins.append({"from_hours": low, "to_hours": high, "count": r["n"], "breached": r["breached"]})
    p = stats[0]["p"] if stats else None
    return {"bins": bins, "percentiles": dict(zip(PERCENTILES, p or [None] * 3)),
            "unanswered": stats[0]["unanswered"] if stats else 0}
