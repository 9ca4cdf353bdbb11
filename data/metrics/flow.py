"""Flow metrics (Kaiten reports, ActionableAgile): created vs resolved with the backlog, throughput,
cycle-time scatterplot, lead-time histogram, cumulative flow from the event history, aging work."""
from __future__ import annotations

import math

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, daily, one, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.models.analytics import LEAD_HOURS
from data.metrics.sql import (CREATED_IN_RANGE, CYCLE_DAYS, REOPENS_IN_RANGE, bucket_of, buckets, hours,
                              resolution_rows, resolutions)
from data.tickets.status import IN_PROGRESS, STATUSES, done_before, open_at, placed, reopened

SCATTER_LIMIT = 2500  # dots sent to the browser; percentiles are computed over all resolutions
AGING_LIMIT = 2000
HISTOGRAM_BINS = 30


def _per_bucket(w: str, grain: str) -> str:
    """Created, resolved and reopened per bucket of the range (resolutions and reopens are events)."""
    return f"""
        c AS (SELECT {bucket_of('t.created_at', grain)} AS bucket, count(*) AS n FROM tickets t
              WHERE {w} AND {CREATED_IN_RANGE} GROUP BY 1),
        r AS (SELECT {bucket_of('r.done_at', grain)} AS bucket, count(*) AS n FROM ({resolution_rows(w)}) AS r GROUP BY 1),
        o AS (SELECT {bucket_of('e.at', grain)} AS bucket, count(*) AS n FROM ticket_events e
              JOIN tickets t ON t.id = e.ticket_id WHERE {w} AND {REOPENS_IN_RANGE} GROUP BY 1)"""


def created_resolved(session: Session, actor: User, f: TicketFilter, grain: str) -> list[dict]:
    """Per bucket: created, resolved (entries into done), reopened, the open backlog at its end, and
    `partial` when the bucket reaches outside the range or past today."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.created_resolved(session, f, grain)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}), {_per_bucket(w, grain)},
        base AS (SELECT count(*) AS n FROM tickets t WHERE {w} AND t.created_at < :start AND {open_at(':start')})
        SELECT b.bucket, b.partial, coalesce(c.n, 0) AS created, coalesce(r.n, 0) AS resolved,
               coalesce(o.n, 0) AS reopened,
               ((SELECT n FROM base) + sum(coalesce(c.n, 0) - coalesce(r.n, 0) + coalesce(o.n, 0))
                 OVER (ORDER BY b.bucket))::int AS backlog
        FROM b LEFT JOIN c USING (bucket) LEFT JOIN r USING (bucket) LEFT JOIN o USING (bucket)
        ORDER BY b.bucket""", params | range_params(f))


def throughput(session: Session, actor: User, f: TicketFilter, grain: str) -> list[dict]:
    """Resolutions (entries into done) per day/week/month, zero periods included, partial ones marked."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.throughput(session, f, grain)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}),
        r AS (SELECT {bucket_of('r.done_at', grain)} AS bucket, count(*) AS n FROM ({resolution_rows(w)}) AS r GROUP BY 1)
        SELECT b.bucket, b.partial, coalesce(r.n, 0) AS done FROM b LEFT JOIN r USING (bucket) ORDER BY b.bucket""",
                params | range_params(f))


def cycle_percentiles(session: Session, f: TicketFilter, fractions=PERCENTILES) -> tuple[int, dict]:
    """(count, {fraction: days}) of the cycle time of the resolutions in the range (exact)."""
    if rollup.usable(session, f):
        return daily.cycle_percentiles(session, f, fractions)
    w, params = where(f)
    found = one(session, f"""
        SELECT count(*) AS n, percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS p
        FROM ({resolution_rows(w)}) AS r""", params | range_params(f) | {"fractions": list(fractions)})
    return found["n"], dict(zip(fractions, found["p"] or [None] * len(fractions)))


def cycle_scatter(session: Session, actor: User, f: TicketFilter, limit: int = SCATTER_LIMIT) -> dict:
    """One dot per resolution in the range (an even sample of tickets when there are more than `limit`),
    with the percentiles of all of them."""
    require_analytics(actor)
    total, percentiles = cycle_percentiles(session, f)
    w, params = where(f)
    step = max(1, math.ceil(total / limit))
    points = rows(session, f"""
        SELECT t.number, (r.done_at AT TIME ZONE :tz) AS done_at, {CYCLE_DAYS} AS days
        FROM ({resolutions(None, _sample_events(w))}) AS r JOIN tickets t ON t.id = r.ticket_id
        WHERE r.done_at >= :start AND r.done_at < :end ORDER BY r.done_at LIMIT :limit""",
                  params | range_params(f) | {"limit": 2 * limit, "step": step})
    return {"total": total, "percentiles": percentiles, "points": points}


def _sample_events(w: str) -> str:
    """The events of every `:step`-th ticket (by id) matching `w`: the sample's tickets looked up by key, then
    each one's events — not every resolution of the range read to keep one in `step` (at a million tickets
    that read was most of the chart's time). A card done before the range has no resolution in it.

    `e.at >= t.created_at` (no event precedes its ticket) lets PostgreSQL skip, card by card, the monthly
    partitions older than the card; `OFFSET 0` keeps the per-card lookup (flattened, the planner hashes every
    event of the history against the sample)."""
    return f"""(SELECT e.* FROM tickets t CROSS JOIN LATERAL (
            SELECT * FROM ticket_events e WHERE e.ticket_id = t.id AND e.at >= t.created_at OFFSET 0) AS e
        WHERE t.id IN (SELECT generate_series(CAST(:step AS bigint), (SELECT max(id) FROM tickets),
                                              CAST(:step AS bigint)))
          AND t.created_at < :end AND NOT ({done_before(':start')}) AND {w})"""


def lead_counts(session: Session, f: TicketFilter) -> list[tuple[int, int]]:
    """Lead times of the resolutions in the range as (whole hours, count), ascending."""
    if rollup.usable(session, f):
        return [(v, n) for v, n, _b in daily.dist(session, f, LEAD_HOURS).get(None, [])]
    w, params = where(f)
    return [(r["h"], r["n"]) for r in rows(session, f"""
        SELECT r.lead_hours AS h, count(*) AS n FROM ({resolution_rows(w)}) AS r GROUP BY 1 ORDER BY 1""",
                                           params | range_params(f))]


def lead_histogram(session: Session, actor: User, f: TicketFilter, bins: int = HISTOGRAM_BINS) -> dict:
    """Lead time (created → done, days) in equal bins up to the 99th percentile; the last bin holds the rest."""
    require_analytics(actor)
    counts = lead_counts(session, f)
    if not counts:
        return {"width": None, "bins": [], "percentiles": {}}
    top = max(daily.hist_percentile(counts, 0.99) / 24.0, 1.0 / 24)
    width = top / bins
    per_bin = [0] * bins
    for hours, n in counts:
        per_bin[min(int(hours / 24.0 / width), bins - 1)] += n
    return {"width": width, "percentiles": {p: daily.hist_percentile(counts, p) / 24.0 for p in PERCENTILES},
            "bins": [{"from_days": i * width, "to_days": (i + 1) * width, "count": per_bin[i]} for i in range(bins)]}


def cumulative_flow(session: Session, actor: User, f: TicketFilter) -> dict:
    """For each day of the range, how many tickets were in each status at the end of that day.

    Returns {"before": the counts at the end of the day before the range, "days": [counts per day]}.
    From the event history: every event that placed a ticket adds one to its new status and takes one
    from its old one, so backward moves (done → in progress) and reopens show as they happened.
    """
    require_analytics(actor)
    if rollup.usable(session, f):
        found = daily.cumulative_flow(session, f)
        return {"before": found[0], "days": found[1:]}
    w, params = where(f)
    found = rows(session, f"""
        WITH net AS (
          SELECT greatest((e.at AT TIME ZONE :tz)::date, CAST(:d_from AS date) - 1) AS day,
                 {", ".join(f"sum(s.d) FILTER (WHERE s.status = '{st}') AS {st}" for st in STATUSES)}
          FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
          CROSS JOIN LATERAL (VALUES (e.to_status, 1), (e.from_status, -1)) AS s(status, d)
          WHERE {w} AND {placed('e')} AND s.status IS NOT NULL AND e.at < :end GROUP BY 1),
        grid AS (SELECT g::date AS day FROM generate_series(CAST(:d_from AS timestamp) - interval '1 day',
                                                          CAST(:d_to AS timestamp), interval '1 day') AS g)
        SELECT grid.day, {", ".join(f"(sum(coalesce(net.{st}, 0)) OVER (ORDER BY grid.day))::int AS {st}" for st in STATUSES)}
        FROM grid LEFT JOIN net USING (day) ORDER BY grid.day""", params | range_params(f))
    return {"before": found[0], "days": found[1:]}


def aging_wip(session: Session, actor: User, f: TicketFilter, limit: int = AGING_LIMIT) -> dict:
    """Open tickets by current column with their age in days (hours precision): since work started in the
    current cycle (since creation or the reopen while not yet in progress) — the same clock as cycle time —
    and the cycle-time percentiles of the range as bands."""
    require_analytics(actor)
    w, params = where(f)
    params |= range_params(f)
    columns = rows(session, f"""
        SELECT c.id, c.name, c.kind, c.position, b.name AS board, count(*) AS n
        FROM tickets t JOIN board_columns c ON c.id = t.column_id JOIN boards b ON b.id = c.board_id
        WHERE {w} AND t.status <> 'done' GROUP BY c.id, b.id, b.name ORDER BY b.id, c.position""", params)
    total = sum(c["n"] for c in columns)
    step = max(1, math.ceil(total / limit))
    # `e.at >= t.created_at` (no event precedes its ticket) lets PostgreSQL skip, card by card, the monthly
    # partitions of ticket_events older than the card: an open card is young, so 1–3 probes instead of 17.
    points = rows(session, f"""
        SELECT t.number, t.column_id, t.status,
               greatest({hours("coalesce(st.started, cy.begin_at)", "now()")}, 1) / 24.0 AS age_days
        FROM tickets t
        CROSS JOIN LATERAL (SELECT coalesce(max(e.at) FILTER (WHERE {reopened('e')}), t.created_at) AS begin_at
                            FROM ticket_events e WHERE e.ticket_id = t.id AND e.at >= t.created_at) AS cy
        CROSS JOIN LATERAL (SELECT min(e.at) AS started FROM ticket_events e WHERE e.ticket_id = t.id AND {placed('e')}
                            AND e.to_status = '{IN_PROGRESS}' AND e.at >= cy.begin_at) AS st
        WHERE {w} AND t.status <> 'done' AND t.id % :step = 0 LIMIT :limit""",
                  params | {"step": step, "limit": limit})
    _n, bands = cycle_percentiles(session, f, (0.5, 0.7, 0.85, 0.95))
    return {"total": total, "columns": columns, "points": points, "bands": bands}
