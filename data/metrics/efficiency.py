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
from data.metrics import require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import bucket_of, buckets, resolved_in
from data.metrics.stays import seconds, timeline
from data.tickets.status import DONE, IN_PROGRESS

HOUR = 3600.0


def _cycles_sql(w: str, grain: str) -> str:
    """Per resolution in the range: its bucket, whether it had no cycle, and the active / queued /
    blocked-while-in-progress seconds of its cycle."""
    span = seconds("s.until - greatest(s.since, s.started)")
    return f"""
        SELECT {bucket_of('s.done_at', grain)} AS bucket, s.started IS NULL AS skipped,
               coalesce(sum({span}) FILTER (WHERE s.status = '{IN_PROGRESS}' AND NOT s.blocked), 0) AS active,
               coalesce(sum({span}) FILTER (WHERE s.status NOT IN ('{IN_PROGRESS}', '{DONE}')), 0) AS queued,
               coalesce(sum({span}) FILTER (WHERE s.status = '{IN_PROGRESS}' AND s.blocked), 0) AS blocked
        FROM ({timeline(resolved_in(':start', ':end', w))}) s
        WHERE s.done_at >= :start AND s.done_at < :end AND (s.started IS NULL OR s.until > s.started)
        GROUP BY s.ticket_id, s.cycle, s.done_at, s.started"""


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
    w, params = where(f)
    found = rows(session, f"""
        WITH c AS ({_cycles_sql(w, grain)}), b AS ({buckets(grain)})
        SELECT b.bucket, b.partial, coalesce(sum(c.active) FILTER (WHERE NOT c.skipped), 0) AS active,
               coalesce(sum(c.queued) FILTER (WHERE NOT c.skipped), 0) AS queued,
               coalesce(sum(c.blocked) FILTER (WHERE NOT c.skipped), 0) AS blocked,
               count(c.bucket) FILTER (WHERE NOT c.skipped) AS n, count(c.bucket) FILTER (WHERE c.skipped) AS skipped
        FROM b LEFT JOIN c USING (bucket) GROUP BY b.bucket, b.partial ORDER BY b.bucket""", params | range_params(f))
    periods = [{"bucket": r["bucket"], "partial": r["partial"], **_summary(r["active"], r["queued"], r["blocked"], r["n"], r["skipped"])}
               for r in found]
    overall = _summary(*(sum(r[k] for r in found) for k in ("active", "queued", "blocked", "n", "skipped")))
    return {"overall": overall, "periods": periods}
