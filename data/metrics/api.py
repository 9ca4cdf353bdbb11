"""The metrics API's figures (GET /api/v1/metrics/<metric>, docs/api.md): metric name → the data/metrics
function the analytics pages draw, and its answer as rows of {"period": first day of the bucket, ...}.

Nothing is computed here: each metric calls the very function its chart calls, so the API and the
pages agree by construction (tests/test_api_metrics.py checks it row by row). To re-point a metric at
another computation, change its line in METRICS. Figures a chart draws for the whole range (percentiles,
SLA outcomes, per-agent tables) are asked for each bucket's part of the range; figures charts draw per
bucket already (created, throughput, backlog, cumulative flow) are taken as they come.
Buckets are local calendar days, ISO weeks (Monday) and months in the company's time zone, the first
and last cut to the range, as on the charts.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Callable

from sqlalchemy.orm import Session

from data.errors import NotFound, Text, ValidationError
from data.metrics import PERCENTILES, flow, require_analytics, sla, team
from data.metrics.filters import TicketFilter
from data.metrics.sql import grain_sql
from data.models import User
from data.tickets.status import STATUSES

MAX_BUCKETS = 400  # metrics asked bucket by bucket: a longer series is refused (choose a coarser grain)
Rows = list[dict]


def _bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if grain == "month" else day


def _next_bucket(start: date, grain: str) -> date:
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if grain == "week" else 1)


def buckets(f: TicketFilter, grain: str) -> list[tuple[date, TicketFilter]]:
    """(first day of the bucket, the filter for the bucket's part of the range) for each bucket."""
    out, start = [], _bucket_start(f.date_from, grain)
    while start <= f.date_to:
        end = _next_bucket(start, grain)
        out.append((start, replace(f, date_from=max(start, f.date_from), date_to=min(end - timedelta(days=1), f.date_to))))
        start = end
    return out


def _per_bucket(figure: Callable[[Session, User, TicketFilter], Rows]) -> Callable:
    """A metric the pages draw for a whole range, asked once per bucket."""
    def rows(session: Session, actor: User, f: TicketFilter, grain: str) -> Rows:
        require_analytics(actor)
        parts = buckets(f, grain)
        if len(parts) > MAX_BUCKETS:
            too_many = Text("errors.api.too_many_buckets", n=len(parts), max=MAX_BUCKETS)
            raise ValidationError("errors.api.too_many_buckets", {"grain": too_many}, n=len(parts), max=MAX_BUCKETS)
        return [{"period": start, **row} for start, part in parts for row in figure(session, actor, part)]
    return rows


def _percentiles(count: int, percentiles: dict, scale: float = 1.0) -> Rows:
    def days(p):
        value = percentiles.get(p)
        return None if value is None else value / scale
    return [{"count": count, **{f"p{round(p * 100)}": days(p) for p in PERCENTILES}}]


# ---- one function per metric: the chart's own data/metrics call ----

def _series(field: str, call) -> Callable:
    """A chart that is a series per bucket already: its `field` as `value`."""
    def rows(session, actor, f, grain):
        return [{"period": r["bucket"], "value": r[field]} for r in call(session, actor, f, grain)]
    return rows


def _cycle(session, actor, f) -> Rows:  # the cycle-time scatterplot's percentile lines (flow.cycle_scatter)
    count, percentiles = flow.cycle_percentiles(session, f)
    return _percentiles(count, percentiles)


def _lead(session, actor, f) -> Rows:  # the lead-time histogram and its percentile lines
    found = flow.lead_histogram(session, actor, f)
    return _percentiles(sum(b["count"] for b in found["bins"]), found["percentiles"])


def _first_response(session, actor, f) -> Rows:  # the first-response histogram (hours there, days here)
    found = sla.first_response(session, actor, f)
    row = _percentiles(sum(b["count"] for b in found["bins"]), found["percentiles"], scale=24.0)[0]
    return [{**row, "unanswered": found["unanswered"]}]


def _sla(session, actor, f) -> Rows:  # the SLA met/breached chart, summed over the bucket
    weeks = sla.by_week(session, actor, f)
    return [{"met": sum(w["met"] for w in weeks), "breached": sum(w["breached"] for w in weeks)}]


def _agents(session, actor, f) -> Rows:  # the Team page's per-agent table
    return team.agents(session, actor, f)


def _cfd(session: Session, actor: User, f: TicketFilter, grain: str) -> Rows:
    """The cumulative flow diagram as drawn: counted from the start of the range (tickets done before it
    would only lift every band), the bucket's last day."""
    found = flow.cumulative_flow(session, actor, f)
    base = found["before"]["done"]
    by_day = {r["day"]: r for r in found["days"]}
    out = []
    for start, part in buckets(f, grain):
        last = by_day.get(part.date_to)
        if last is not None:
            out.append({"period": start, **{s: last[s] - base for s in STATUSES}})
    return out


METRICS: dict[str, Callable[[Session, User, TicketFilter, str], Rows]] = {
    "created": _series("created", flow.created_resolved),
    "throughput": _series("done", flow.throughput),
    "backlog": _series("backlog", flow.created_resolved),  # open at the end of the bucket
    "cycle-time": _per_bucket(_cycle),
    "lead-time": _per_bucket(_lead),
    "first-response": _per_bucket(_first_response),
    "sla": _per_bucket(_sla),
    "cfd": _cfd,
    "agents": _per_bucket(_agents),
}


def rows(session: Session, actor: User, metric: str, f: TicketFilter, grain: str) -> Rows:
    """The metric's rows for a filter already scoped to the actor (data.metrics.filters.scoped)."""
    call = METRICS.get(metric)
    if call is None:
        raise NotFound("errors.api.unknown_metric", metric=str(metric)[:40], known=", ".join(METRICS))
    grain_sql(grain)  # a ValidationError for anything but day/week/month
    require_analytics(actor)
    return call(session, actor, f, grain)


__all__ = ["METRICS", "MAX_BUCKETS", "buckets", "rows"]
