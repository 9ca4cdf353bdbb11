"""Flow metrics (Kaiten reports, ActionableAgile): created vs resolved with the backlog, throughput,
cycle-time scatterplot, lead-time histogram, cumulative flow from the event history, aging work."""
from __future__ import annotations

import math

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, daily, one, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CYCLE_DAYS, DONE_IN_RANGE, LEAD_DAYS, bucket_of, buckets
from data.tickets.status import done_before, open_at, open_during, placed, reached

SCATTER_LIMIT = 2500  # dots sent to the browser; percentiles are computed over all tickets
AGING_LIMIT = 2000
HISTOGRAM_BINS = 30


def _resolved_per_bucket(w: str, grain: str) -> str:
    return (f"SELECT {bucket_of('t.resolved_at', grain)} AS bucket, count(*) AS n FROM tickets t"
            f" WHERE {w} AND {DONE_IN_RANGE} GROUP BY 1")


def created_resolved(session: Session, actor: User, f: TicketFilter, grain: str) -> list[dict]:
    """Per bucket: created, resolved (entered done, still done) and the open backlog at its end."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.created_resolved(session, f, grain)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}),
        c AS (SELECT {bucket_of('t.created_at', grain)} AS bucket, count(*) AS n FROM tickets t
              WHERE {w} AND t.created_at >= :start AND t.created_at < :end GROUP BY 1),
        r AS ({_resolved_per_bucket(w, grain)}),
        base AS (SELECT count(*) AS n FROM tickets t WHERE {w} AND {open_at(':start')})
        SELECT b.bucket, coalesce(c.n, 0) AS created, coalesce(r.n, 0) AS resolved,
               ((SELECT n FROM base) + sum(coalesce(c.n, 0) - coalesce(r.n, 0)) OVER (ORDER BY b.bucket))::int
                 AS backlog
        FROM b LEFT JOIN c USING (bucket) LEFT JOIN r USING (bucket) ORDER BY b.bucket""",
                params | range_params(f))


def throughput(session: Session, actor: User, f: TicketFilter, grain: str) -> list[dict]:
    """Tickets entering done per day/week/month, zero periods included."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.throughput(session, f, grain)
    w, params = where(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}), r AS ({_resolved_per_bucket(w, grain)})
        SELECT b.bucket, coalesce(r.n, 0) AS done FROM b LEFT JOIN r USING (bucket) ORDER BY b.bucket""",
                params | range_params(f))


def cycle_percentiles(session: Session, f: TicketFilter, fractions=PERCENTILES) -> tuple[int, dict]:
    """(count, {fraction: days}) of the cycle time of tickets done in the range."""
    if rollup.usable(session, f):
        hist = daily.cycle_hist(session, f).get(None, [])
        return sum(hist), {p: daily.hist_percentile(hist, p) if hist else None for p in fractions}
    w, params = where(f)
    found = one(session, f"""
        SELECT count(*) AS n, percentile_cont(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS p
        FROM tickets t WHERE {w} AND {DONE_IN_RANGE}""", params | range_params(f) | {"fractions": list(fractions)})
    return found["n"], dict(zip(fractions, found["p"] or [None] * len(fractions)))


def cycle_scatter(session: Session, actor: User, f: TicketFilter, limit: int = SCATTER_LIMIT) -> dict:
    """One dot per done ticket (an even sample when there are more than `limit`), with percentiles."""
    require_analytics(actor)
    total, percentiles = cycle_percentiles(session, f)
    w, params = where(f)
    # A large set is sampled by table blocks (TABLESAMPLE reads only those pages): about `limit` dots,
    # never more than twice that.
    sample = f"TABLESAMPLE SYSTEM ({min(100.0, 100.0 * limit / total):.4f}) REPEATABLE (7)" if total > limit else ""
    points = rows(session, f"""
        SELECT t.number, (t.resolved_at AT TIME ZONE :tz) AS done_at, {CYCLE_DAYS} AS days
        FROM tickets t {sample} WHERE {w} AND {DONE_IN_RANGE}
        ORDER BY t.resolved_at LIMIT :limit""", params | range_params(f) | {"limit": 2 * limit})
    return {"total": total, "percentiles": percentiles, "points": points}


def lead_histogram(session: Session, actor: User, f: TicketFilter, bins: int = HISTOGRAM_BINS) -> dict:
    """Lead time (created → done, days) in equal bins up to the 99th percentile; the last bin holds the rest."""
    require_analytics(actor)
    w, params = where(f)
    found = rows(session, f"""
        WITH l AS (SELECT {LEAD_DAYS} AS d FROM tickets t WHERE {w} AND {DONE_IN_RANGE}),
        s AS (SELECT greatest(percentile_cont(0.99) WITHIN GROUP (ORDER BY d), 1.0 / 24) AS top,
                     percentile_cont(ARRAY[0.5, 0.85, 0.95]) WITHIN GROUP (ORDER BY d) AS p FROM l)
        SELECT least(floor(l.d / (s.top / :bins)), :bins - 1)::int AS bin, count(*) AS n,
               min(s.top) / :bins AS width, min(s.p) AS p
        FROM l, s GROUP BY 1 ORDER BY 1""", params | range_params(f) | {"bins": bins})
    if not found:
        return {"width": None, "bins": [], "percentiles": {}}
    width, p = found[0]["width"], found[0]["p"]
    counts = {r["bin"]: r["n"] for r in found}
    return {"width": width, "percentiles": dict(zip(PERCENTILES, p)),
            "bins": [{"from_days": i * width, "to_days": (i + 1) * width, "count": counts.get(i, 0)}
                     for i in range(bins)]}


def cumulative_flow(session: Session, actor: User, f: TicketFilter) -> dict:
    """For each day, how many tickets have reached each status (queue → in progress → waiting → done).

    Returns {"before": counts at the end of the day before the range, "days": [counts per day]}.

    Computed from ticket_events: a ticket reaches a status at its first placing event into that status
    or a later one (data.tickets.status.reached), so bands never go down. Tickets done before the range
    add a constant.
    """
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.cumulative_flow(session, f)
    w, params = where(f)
    found = rows(session, f"""
        WITH tk AS (SELECT t.id FROM tickets t WHERE {w} AND {open_during(':start', ':end')}),
        firsts AS (
          SELECT {reached('e')}
          FROM ticket_events e JOIN tk ON tk.id = e.ticket_id
          WHERE {placed('e')} AND e.at < :end GROUP BY e.ticket_id),
        entered AS (
          SELECT v.status_index, greatest((v.at AT TIME ZONE :tz)::date, CAST(:d_from AS date) - 1) AS day,
                 count(*) AS n
          FROM firsts CROSS JOIN LATERAL (VALUES (0, s0), (1, s1), (2, s2), (3, s3)) AS v(status_index, at)
          WHERE v.at IS NOT NULL GROUP BY 1, 2),
        before AS (SELECT count(*) AS n FROM tickets t WHERE {w} AND {done_before(':start')}),
        grid AS (SELECT g::date AS day, s.status_index
                 FROM generate_series(CAST(:d_from AS timestamp) - interval '1 day', CAST(:d_to AS timestamp),
                                      interval '1 day') AS g CROSS JOIN generate_series(0, 3) AS s(status_index)),
        cum AS (SELECT grid.day, grid.status_index,
                       (SELECT n FROM before)
                         + sum(coalesce(entered.n, 0)) OVER (PARTITION BY grid.status_index ORDER BY grid.day) AS n
                FROM grid LEFT JOIN entered USING (day, status_index))
        SELECT day, max(n) FILTER (WHERE status_index = 0)::int AS queue,
               max(n) FILTER (WHERE status_index = 1)::int AS in_progress,
               max(n) FILTER (WHERE status_index = 2)::int AS waiting, max(n) FILTER (WHERE status_index = 3)::int AS done
        FROM cum GROUP BY day ORDER BY day""", params | range_params(f))
    return {"before": found[0], "days": found[1:]}


def aging_wip(session: Session, actor: User, f: TicketFilter, limit: int = AGING_LIMIT) -> dict:
    """Open tickets by current column with their age in calendar days since start (since creation while
    still queued), and the cycle-time percentiles of the range as bands."""
    require_analytics(actor)
    w, params = where(f)
    params |= range_params(f)
    columns = rows(session, f"""
        SELECT c.id, c.name, c.kind, c.position, b.name AS board, count(*) AS n
        FROM tickets t JOIN board_columns c ON c.id = t.column_id JOIN boards b ON b.id = c.board_id
        WHERE {w} AND t.status <> 'done' GROUP BY c.id, b.id, b.name ORDER BY b.id, c.position""", params)
    total = sum(c["n"] for c in columns)
    step = max(1, math.ceil(total / limit))
    points = rows(session, f"""
        SELECT t.number, t.column_id, t.status,
               ((now() AT TIME ZONE :tz)::date - (coalesce(t.started_at, t.created_at) AT TIME ZONE :tz)::date + 1)
                 AS age_days
        FROM tickets t WHERE {w} AND t.status <> 'done' AND t.id % :step = 0 LIMIT :limit""",
                  params | {"step": step, "limit": limit})
    _n, bands = cycle_percentiles(session, f, (0.5, 0.7, 0.85, 0.95))
    return {"total": total, "columns": columns, "points": points, "bands": bands}
