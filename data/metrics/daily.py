"""The same metrics as kpi/flow/sla/team, read from the daily rollup (analytics_daily) instead of
the tickets: used for wide views (see rollup.usable). Definitions are identical; tests check that
both paths give the same answers on the same history."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.metrics import one, rows
from data.models.analytics import CYCLE_BUCKETS, RESPONSE_EDGES_MIN
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import buckets, grain_sql


def table(f: TicketFilter, fine: bool = False, by_assignee: bool = False) -> str:
    """The smallest rollup that has the dimensions the filter and the grouping need: day × service ×
    team × board (+ assignee when `by_assignee`), else the full one (+ priority, channel)."""
    if fine or f.priority or f.channel:
        return "analytics_daily"
    return "analytics_daily_agent" if by_assignee or f.assignee else "analytics_daily_coarse"


def _w(f: TicketFilter) -> tuple[str, dict]:
    w, params = where(f, alias="r")
    return w, params | range_params(f)


def hist_percentile(counts: list[int], p: float) -> float | None:
    """percentile_cont over a histogram of whole days (bucket i holds value i + 1)."""
    n = sum(counts)
    if n == 0:
        return None
    pos = p * (n - 1)
    low, frac = int(pos), pos - int(pos)

    def value_at(k):  # the k-th smallest value (0-based)
        seen = 0
        for i, c in enumerate(counts):
            seen += c
            if k < seen:
                return i + 1
        return len(counts)
    a = value_at(low)
    return float(a if frac == 0 else a + (value_at(low + 1) - a) * frac)


def _sums(column: str, n: int) -> str:
    """Element-wise sums of an int[] column: one pass over the rows (much faster than unnest)."""
    return ", ".join(f"sum(r.{column}[{i}])::int AS {column}_{i}" for i in range(1, n + 1))


def cycle_hist(session: Session, f: TicketFilter, group: str | None = None) -> dict:
    """{group value (or None): [counts per cycle-time day]} for tickets done in the range."""
    w, params = _w(f)
    found = rows(session, f"""
        SELECT {group or "NULL"} AS g, {_sums("cycle_hist", CYCLE_BUCKETS)}
        FROM {table(f, by_assignee=group is not None)} r WHERE {w} AND r.stream = 1 AND r.day >= :d_from AND r.day <= :d_to GROUP BY 1""", params)
    return {r["g"]: [r[f"cycle_hist_{i}"] or 0 for i in range(1, CYCLE_BUCKETS + 1)] for r in found}


def binned_percentile(counts: list[int], edges, p: float) -> float | None:
    """percentile_cont estimated from counts per bin (lower edges `edges`), spreading each bin's values
    evenly from its lower edge; the open last bin counts at its lower edge."""
    n = sum(counts)
    if n == 0:
        return None

    def value_at(k):
        before = 0
        for i, c in enumerate(counts):
            if k < before + c:
                high = edges[i + 1] if i + 1 < len(edges) else edges[i]
                return edges[i] + (high - edges[i]) * (k - before) / c
            before += c
        return float(edges[-1])
    pos = p * (n - 1)
    low, frac = int(pos), pos - int(pos)
    a = value_at(low)
    return a if frac == 0 else a + (value_at(low + 1) - a) * frac


def response_hist(session: Session, f: TicketFilter) -> dict:
    """First-response counts (and breached) per fine bin for tickets created in the range, and unanswered."""
    w, params = _w(f)
    n = len(RESPONSE_EDGES_MIN)
    found = one(session, f"""
        SELECT {_sums("response_hist", n)}, {_sums("response_breached", n)}, sum(r.unanswered)::int AS unanswered
        FROM {table(f)} r WHERE {w} AND r.stream = 0 AND r.day >= :d_from AND r.day <= :d_to""", params)
    return {"counts": [found.get(f"response_hist_{i}") or 0 for i in range(1, n + 1)],
            "breached": [found.get(f"response_breached_{i}") or 0 for i in range(1, n + 1)],
            "unanswered": found.get("unanswered") or 0}


def first_response(session: Session, f: TicketFilter, chart_edges_hours) -> dict:
    """The first-response chart from the rollup: fine bins summed into the chart's bins."""
    hist = response_hist(session, f)
    minutes = [h * 60 for h in chart_edges_hours]
    bins = []
    for i, low in enumerate(minutes):
        high = minutes[i + 1] if i + 1 < len(minutes) else None
        inside = [j for j, e in enumerate(RESPONSE_EDGES_MIN) if e >= low and (high is None or e < high)]
        bins.append({"from_hours": chart_edges_hours[i], "to_hours": chart_edges_hours[i + 1] if high else None,
                     "count": sum(hist["counts"][j] for j in inside),
                     "breached": sum(hist["breached"][j] for j in inside)})
    percentiles = {p: (lambda v: None if v is None else v / 60)(binned_percentile(hist["counts"], RESPONSE_EDGES_MIN, p))
                   for p in (0.5, 0.85, 0.95)}
    return {"bins": bins, "percentiles": percentiles, "unanswered": hist["unanswered"]}


def kpis(session: Session, f: TicketFilter, prev: TicketFilter) -> dict[str, dict]:
    """The rollup part of the KPI cards for the period and the one before it."""
    w, params = _w(f)
    params["p_from"] = prev.date_from
    sums = rows(session, f"""
        SELECT CASE WHEN r.day >= :d_from THEN 'cur' ELSE 'prev' END AS p, sum(r.created)::int AS created,
               sum(r.resolved)::int AS resolved, sum(r.reopens)::int AS reopened,
               100.0 * sum(r.resolved_sla_met) / nullif(sum(r.resolved_sla_met + r.resolved_sla_breached), 0) AS sla_met
        FROM {table(f)} r WHERE {w} AND r.day >= :p_from AND r.day <= :d_to GROUP BY 1""", params)
    backlog = one(session, f"""
        SELECT (sum(r.created) - sum(r.resolved))::int AS cur,
               (sum(r.created) FILTER (WHERE r.day < :d_from) - coalesce(sum(r.resolved) FILTER (WHERE r.day < :d_from), 0))::int
                 AS prev
        FROM {table(f)} r WHERE {w} AND r.day <= :d_to AND r.stream IN (0, 1)""", params)
    out = {"cur": {}, "prev": {}}
    for r in sums:
        out[r.pop("p")].update(r)
    for period, period_filter in (("cur", f), ("prev", prev)):
        hist = cycle_hist(session, period_filter).get(None, [])
        out[period].update(cycle_p50=hist_percentile(hist, 0.5) if hist else None,
                           cycle_p85=hist_percentile(hist, 0.85) if hist else None)
        out[period]["backlog"] = (backlog.get(period) or 0)
        median = binned_percentile(response_hist(session, period_filter)["counts"], RESPONSE_EDGES_MIN, 0.5)
        out[period]["first_response_p50"] = None if median is None else median / 60
    return out


def created_resolved(session: Session, f: TicketFilter, grain: str) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}),
        s AS (SELECT date_trunc({grain_sql(grain)[0]}, r.day)::date AS bucket, sum(r.created) AS c, sum(r.resolved) AS d
              FROM {table(f)} r WHERE {w} AND r.day >= :d_from AND r.day <= :d_to AND r.stream IN (0, 1)
              GROUP BY 1),
        base AS (SELECT coalesce(sum(r.created) - sum(r.resolved), 0) AS n FROM {table(f)} r
                 WHERE {w} AND r.day < :d_from AND r.stream IN (0, 1))
        SELECT b.bucket, coalesce(s.c, 0)::int AS created, coalesce(s.d, 0)::int AS resolved,
               ((SELECT n FROM base) + sum(coalesce(s.c, 0) - coalesce(s.d, 0)) OVER (ORDER BY b.bucket))::int AS backlog
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params)


def throughput(session: Session, f: TicketFilter, grain: str) -> list[dict]:
    return [{"bucket": r["bucket"], "done": r["resolved"]} for r in created_resolved(session, f, grain)]


def sla_by_week(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH b AS ({buckets('week')}),
        s AS (SELECT date_trunc('week', r.day)::date AS bucket, sum(r.resolved_sla_met) AS met,
                     sum(r.resolved_sla_breached) AS breached
              FROM {table(f)} r WHERE {w} AND r.stream = 1 AND r.day >= :d_from AND r.day <= :d_to GROUP BY 1)
        SELECT b.bucket, coalesce(s.met, 0)::int AS met, coalesce(s.breached, 0)::int AS breached
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params)


def sla_by_priority(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        SELECT p.id AS priority_id, p.name_en, p.name_ru, p.color, sum(r.resolved_sla_met)::int AS met,
               sum(r.resolved_sla_breached)::int AS breached
        FROM analytics_daily r LEFT JOIN priorities p ON p.id = r.priority_id
        WHERE {w} AND r.stream = 1 AND r.day >= :d_from AND r.day <= :d_to
        GROUP BY p.id HAVING sum(r.resolved_sla_met + r.resolved_sla_breached) > 0 ORDER BY p.rank NULLS LAST""",
                params)


def agents_done(session: Session, f: TicketFilter) -> dict[int, dict]:
    """Per assignee: resolved, median cycle time, SLA met %, reopen rate % in the range."""
    w, params = _w(f)
    found = rows(session, f"""
        SELECT r.assignee_id AS id, sum(r.resolved)::int AS resolved,
               100.0 * sum(r.resolved_sla_met) / nullif(sum(r.resolved_sla_met + r.resolved_sla_breached), 0) AS sla_met,
               100.0 * sum(r.resolved_reopened) / nullif(sum(r.resolved), 0) AS reopen_rate
        FROM {table(f, by_assignee=True)} r WHERE {w} AND r.stream = 1 AND r.assignee_id IS NOT NULL
          AND r.day >= :d_from AND r.day <= :d_to GROUP BY 1""", params)
    hists = cycle_hist(session, f, group="r.assignee_id")
    return {r["id"]: dict(r, cycle_p50=hist_percentile(hists.get(r["id"], []), 0.5) if r["id"] in hists else None)
            for r in found}


def arrivals(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH d AS (SELECT extract(isodow FROM r.day)::int AS weekday, {_sums("created_hours", 24)}
                   FROM {table(f)} r WHERE {w} AND r.stream = 0 AND r.day >= :d_from AND r.day <= :d_to
                   GROUP BY 1),
        a AS (SELECT d.weekday, u.i::int - 1 AS hour, u.n
              FROM d CROSS JOIN LATERAL unnest(ARRAY[{", ".join(f"d.created_hours_{i}" for i in range(1, 25))}])
                   WITH ORDINALITY AS u(n, i))
        SELECT d AS weekday, h AS hour, coalesce(a.n, 0)::int AS n
        FROM generate_series(1, 7) AS d CROSS JOIN generate_series(0, 23) AS h
        LEFT JOIN a ON a.weekday = d AND a.hour = h ORDER BY d, h""", params)


def cumulative_flow(session: Session, f: TicketFilter) -> dict:
    w, params = _w(f)
    found = rows(session, f"""
        WITH d AS (SELECT greatest(r.day, CAST(:d_from AS date) - 1) AS day, {_sums("reached", 4)}
                   FROM {table(f)} r WHERE {w} AND r.stream = 3 AND r.day <= :d_to GROUP BY 1),
        e AS (SELECT d.day, u.i::int - 1 AS status_index, u.n FROM d
              CROSS JOIN LATERAL unnest(ARRAY[d.reached_1, d.reached_2, d.reached_3, d.reached_4]) WITH ORDINALITY AS u(n, i)),
        grid AS (SELECT g::date AS day, s.status_index
                 FROM generate_series(CAST(:d_from AS timestamp) - interval '1 day', CAST(:d_to AS timestamp),
                                      interval '1 day') AS g CROSS JOIN generate_series(0, 3) AS s(status_index)),
        cum AS (SELECT grid.day, grid.status_index,
                       sum(coalesce(e.n, 0)) OVER (PARTITION BY grid.status_index ORDER BY grid.day) AS n
                FROM grid LEFT JOIN e USING (day, status_index))
        SELECT day, max(n) FILTER (WHERE status_index = 0)::int AS queue,
               max(n) FILTER (WHERE status_index = 1)::int AS in_progress,
               max(n) FILTER (WHERE status_index = 2)::int AS waiting, max(n) FILTER (WHERE status_index = 3)::int AS done
        FROM cum GROUP BY day ORDER BY day""", params)
    return {"before": found[0], "days": found[1:]}
