"""Flow efficiency (ActionableAgile, Kaiten): of the time tickets spent from the start of work to done,
how much was active work and how much was waiting.

For each resolution in the period (a ticket resolved twice counts twice, each with its own cycle),
its cycle runs from the first entry into an in-progress column after the previous resolution to the
resolution. Within it, from the event history as it was then:
  active  = time in in-progress columns while not blocked;
  waiting = time in queue and waiting columns (a backward move to the queue counts) plus time blocked
            while in an in-progress column.
Time in done columns (between a resolution and a reopen) is in neither. A resolution whose cycle never
entered in-progress has no cycle and is left out (counted in `skipped`).
Efficiency = Σ active / Σ (active + waiting), over all tickets, so long tickets weigh by their length.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import require_analytics, rollup, rollup_flow, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import bucket_of, buckets, grain_sql, resolved_in
from data.metrics.stays import cycles

HOUR = 3600.0


def _per_bucket_live(w: str, grain: str) -> str:
    """Per bucket of the range: the sums over its resolutions' cycles, from the events."""
    return f"""
        SELECT {bucket_of('c.done_at', grain)} AS bucket,
               coalesce(sum(c.active) FILTER (WHERE NOT c.skipped), 0) AS active,
               coalesce(sum(c.queued) FILTER (WHERE NOT c.skipped), 0) AS queued,
               coalesce(sum(c.blocked) FILTER (WHERE NOT c.skipped), 0) AS blocked,
               count(*) FILTER (WHERE NOT c.skipped) AS n, count(*) FILTER (WHERE c.skipped) AS skipped
        FROM ({cycles(resolved_in(':start', ':end', w))}) c GROUP BY 1"""


def _per_bucket_rollup(f: TicketFilter, w: str, grain: str) -> str:
    """The same sums from the rollup's per-day sums (data/metrics/rollup_flow.py)."""
    return f"""
        SELECT date_trunc({grain_sql(grain)[0]}, r.day)::date AS bucket, sum(r.active_s) AS active,
               sum(r.queued_s) AS queued, sum(r.blocked_s) AS blocked, sum(r.cycles) AS n, sum(r.skipped) AS skipped
        FROM {rollup_flow.flow_table(f)} r WHERE {w} AND r.day >= :d_from AND r.day <= :d_to GROUP BY 1"""


def _summary(active: float, queued: float, blocked: float, n: int, skipped: int) -> dict:
    waiting = queued + blocked
    total = active + waiting
    return {"active_h": active / HOUR, "waiting_h": waiting / HOUR, "queued_h": queued / HOUR,
            "blocked_h": blocked / HOUR, "efficiency": active / total if total > 0 else None,
            "n": n, "skipped": skipped}


def flow_efficiency(session: Session, actor: User, f: TicketFilter, grain: str) -> dict:
    """{"overall": summary, "periods": [{"bucket", "partial", **summary}]} for tickets resolved in the period;
    a summary has active_h, waiting_h (= queued_h + blocked_h), efficiency (0..1 or None), n and skipped.
    `partial`: the bucket reaches outside the range or past today (data.metrics.sql.buckets)."""
    require_analytics(actor)
    if rollup.usable(session, f):
        w, params = where(f, alias="r")
        per_bucket = _per_bucket_rollup(f, w, grain)
    else:
        w, params = where(f)
        per_bucket = _per_bucket_live(w, grain)
    found = rows(session, f"""
        WITH c AS ({per_bucket}), b AS ({buckets(grain)})
        SELECT b.bucket, b.partial, coalesce(c.active, 0) AS active, coalesce(c.queued, 0) AS queued,
               coalesce(c.blocked, 0) AS blocked, coalesce(c.n, 0) AS n, coalesce(c.skipped, 0) AS skipped
        FROM b LEFT JOIN c USING (bucket) ORDER BY b.bucket""", params | range_params(f))
    periods = [{"bucket": r["bucket"], "partial": r["partial"], **_summary(r["active"], r["queued"], r["blocked"], r["n"], r["skipped"])}
               for r in found]
    overall = _summary(*(sum(r[k] for r in found) for k in ("active", "queued", "blocked", "n", "skipped")))
    return {"overall": overall, "periods": periods}
