"""The same metrics as kpi/flow/sla/team/compare, read from the rollup (data/metrics/rollup.py) instead of
the events: used for wide views (rollup.usable). Definitions are identical; percentiles are merged
exactly from counts per whole hour or minute (the precision the metrics are defined at), so both paths
give the same answers on the same history (tests/test_metrics_rollup_random.py)."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from data.metrics import one, rows
from data.models.analytics import CREATED, CYCLE_HOURS, FIRST_RESPONSE_MINUTES, REOPENS, RESOLVED, STATUS_NET
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import buckets, grain_sql
from data.tickets.status import STATUSES

# Sums of the counts of the daily rows, per stream (a filter on r.stream picks the rows that have them).
_COUNTS = {"created": CREATED, "resolved": RESOLVED, "reopens": REOPENS}


def table(f: TicketFilter, fine: bool = False, by_assignee: bool = False, by_priority: bool = False) -> str:
    """The smallest rollup that has the dimensions the filter and the grouping need: day × service ×
    team × board (+ assignee, or + priority), else the full one (+ both, and channel)."""
    assignee, priority = by_assignee or bool(f.assignee), by_priority or bool(f.priority)
    if fine or f.channel or (assignee and priority):
        return "analytics_daily"
    return "analytics_daily_agent" if assignee else "analytics_daily_priority" if priority else "analytics_daily_coarse"


def _w(f: TicketFilter) -> tuple[str, dict]:
    w, params = where(f, alias="r")
    return w, params | range_params(f)


def hist_percentile(counts: list[tuple[float, int]], p: float) -> float | None:
    """percentile_cont(p) of the multiset given as (value, count) pairs in ascending value order: exact."""
    n = sum(c for _v, c in counts)
    if n == 0:
        return None
    pos = p * (n - 1)
    low = int(pos)
    frac = pos - low

    def value_at(k):  # the k-th smallest value (0-based)
        seen = 0
        for value, c in counts:
            seen += c
            if k < seen:
                return value
        return counts[-1][0]
    a = value_at(low)
    return float(a) if frac == 0 else float(a + (value_at(low + 1) - a) * frac)


def _whole_months(f: TicketFilter) -> tuple[date, date]:
    """[first, after) of the calendar months wholly inside the range (first == after when there are none)."""
    first = f.date_from if f.date_from.day == 1 else (f.date_from.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = (f.date_to + timedelta(days=1)).replace(day=1)
    return (first, after) if first < after else (f.date_from, f.date_from)


def _dist_source(f: TicketFilter, group: str | None) -> tuple[str, dict]:
    """The rows (service, team, board, assignee, priority, channel, value, n, breached) of one distribution
    (:metric) in the range: whole months from the monthly sums (without the assignee when neither the
    filter nor the grouping needs it), the days at the ends of the range from the daily rows; a filter on
    priority or channel reads the daily rows only (the monthly sums don't keep them)."""
    day_cols = "r.service_id, r.team_id, r.board_id, r.assignee_id, r.priority_id, r.channel, r.value, r.n, r.breached"
    if f.priority or f.channel:
        return (f"SELECT {day_cols} FROM analytics_dist r WHERE r.metric = :metric AND r.day BETWEEN :d_from AND :d_to",
                {})
    first, after = _whole_months(f)
    months, assignee = ("analytics_dist_month", "r.assignee_id") if f.assignee or group == "assignee_id" \
        else ("analytics_dist_month_coarse", "NULL::int")
    return f"""
        SELECT r.service_id, r.team_id, r.board_id, {assignee} AS assignee_id, NULL::int AS priority_id,
               NULL::varchar AS channel, r.value, r.n, r.breached
        FROM {months} r WHERE r.metric = :metric AND r.month >= :m_first AND r.month < :m_after
        UNION ALL
        SELECT {day_cols} FROM analytics_dist r WHERE r.metric = :metric AND r.day BETWEEN :d_from AND :d_to
          AND NOT (r.day >= :m_first AND r.day < :m_after)""", {"m_first": first, "m_after": after}


def dist(session: Session, f: TicketFilter, metric: int, group: str | None = None) -> dict:
    """{group value (or None): [(value, count, breached), ...] ascending} of one distribution in the range."""
    w, params = _w(f)
    source, more = _dist_source(f, group)
    g = f"r.{group}" if group else "NULL"
    found = rows(session, f"""
        SELECT {g} AS g, r.value, sum(r.n)::int AS n, sum(r.breached)::int AS breached
        FROM ({source}) AS r WHERE {w} GROUP BY 1, 2 ORDER BY 1, 2""", params | more | {"metric": metric})
    out: dict = {}
    for r in found:
        out.setdefault(r["g"], []).append((r["value"], r["n"], r["breached"]))
    return out


def percentiles(session: Session, f: TicketFilter, metric: int, fractions, scale: float,
                group: str | None = None) -> dict:
    """{group: (count, {fraction: value / scale})} of one distribution (scale 24: hours → days).

    PostgreSQL finds, per group, the values at the two positions around each fraction (running sums of the
    counts) and sends one row per group and fraction, not the distributions; the interpolation is
    hist_percentile's, so the figures are the same."""
    w, params = _w(f)
    source, more = _dist_source(f, group)
    g = f"r.{group}" if group else "NULL::int"
    found = rows(session, f"""
        WITH h AS (SELECT {g} AS g, r.value, sum(r.n) AS n FROM ({source}) AS r WHERE {w} GROUP BY 1, 2),
        c AS (SELECT g, value, sum(n) OVER (PARTITION BY g ORDER BY value) AS upto,
                     sum(n) OVER (PARTITION BY g) AS total FROM h),
        k AS (SELECT u.p, u.i FROM unnest(CAST(:fractions AS float8[])) WITH ORDINALITY AS u(p, i))
        SELECT c.g, c.total::bigint AS total, k.i,
               min(c.value) FILTER (WHERE c.upto > floor(k.p * (c.total - 1))) AS a,
               min(c.value) FILTER (WHERE c.upto > floor(k.p * (c.total - 1)) + 1) AS b
        FROM c CROSS JOIN k WHERE c.total > 0 GROUP BY c.g, c.total, k.i""",
                 params | more | {"metric": metric, "fractions": [float(p) for p in fractions]})
    out: dict = {}
    for r in found:
        p = fractions[r["i"] - 1]
        pos = p * (r["total"] - 1)
        frac = pos - int(pos)
        value = float(r["a"]) if frac == 0 or r["b"] is None else float(r["a"] + (r["b"] - r["a"]) * frac)
        out.setdefault(r["g"], (r["total"], {}))[1][p] = value / scale
    return out


def cycle_percentiles(session: Session, f: TicketFilter, fractions) -> tuple[int, dict]:
    return percentiles(session, f, CYCLE_HOURS, fractions, 24.0).get(None, (0, {p: None for p in fractions}))


def first_response(session: Session, f: TicketFilter, chart_edges_hours, fractions) -> dict:
    """The first-response chart from the rollup: exact counts per minute summed into the chart's bins."""
    values = dist(session, f, FIRST_RESPONSE_MINUTES).get(None, [])
    edges = [h * 60 for h in chart_edges_hours]
    bins = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        inside = [(n, b) for v, n, b in values if v >= low and (high is None or v < high)]
        bins.append({"from_hours": chart_edges_hours[i], "to_hours": chart_edges_hours[i + 1] if high is not None else None,
                     "count": sum(n for n, _b in inside), "breached": sum(b for _n, b in inside)})
    pairs = [(v, n) for v, n, _b in values]
    return {"bins": bins, "total": sum(n for _v, n in pairs),
            "percentiles": {p: (lambda x: None if x is None else x / 60)(hist_percentile(pairs, p)) for p in fractions}}


def _open_at_end(session: Session, f: TicketFilter, upto: str) -> int:
    """Open at the end of local day `upto` (a bind name): created − resolved + reopened up to that day."""
    w, params = _w(f)
    found = one(session, f"""
        SELECT coalesce(sum(r.created) - sum(r.resolved) + sum(r.reopens), 0)::int AS n
        FROM {table(f)} r WHERE {w} AND r.stream IN ({CREATED}, {RESOLVED}, {REOPENS}) AND r.day <= {upto}""", params)
    return found.get("n") or 0


def kpis(session: Session, f: TicketFilter, prev: TicketFilter) -> dict[str, dict]:
    """The rollup part of the KPI cards for the period and the one before it."""
    w, params = _w(f)
    params["p_from"] = prev.date_from
    sums = rows(session, f"""
        SELECT CASE WHEN r.day >= :d_from THEN 'cur' ELSE 'prev' END AS p, sum(r.created)::int AS created,
               sum(r.resolved)::int AS resolved, sum(r.reopens)::int AS reopened,
               100.0 * sum(r.resolved_sla_met) / nullif(sum(r.resolved_sla_met + r.resolved_sla_breached), 0) AS sla_met
        FROM {table(f)} r WHERE {w} AND r.stream IN ({CREATED}, {RESOLVED}, {REOPENS})
          AND r.day >= :p_from AND r.day <= :d_to GROUP BY 1""", params)
    out = {"cur": {}, "prev": {}}
    for r in sums:
        out[r.pop("p")].update(r)
    out["cur"]["backlog"] = _open_at_end(session, f, ":d_to")
    out["prev"]["backlog"] = _open_at_end(session, prev, ":d_to")
    for period, period_filter in (("cur", f), ("prev", prev)):
        _n, cycle = cycle_percentiles(session, period_filter, (0.5, 0.85))
        _m, response = percentiles(session, period_filter, FIRST_RESPONSE_MINUTES, (0.5,), 60.0).get(None, (0, {}))
        out[period].update(cycle_p50=cycle[0.5], cycle_p85=cycle[0.85], first_response_p50=response.get(0.5))
    return out


def created_resolved(session: Session, f: TicketFilter, grain: str) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH b AS ({buckets(grain)}),
        s AS (SELECT date_trunc({grain_sql(grain)[0]}, r.day)::date AS bucket, sum(r.created) AS c,
                     sum(r.resolved) AS d, sum(r.reopens) AS o
              FROM {table(f)} r WHERE {w} AND r.day >= :d_from AND r.day <= :d_to
                AND r.stream IN ({CREATED}, {RESOLVED}, {REOPENS}) GROUP BY 1),
        base AS (SELECT coalesce(sum(r.created) - sum(r.resolved) + sum(r.reopens), 0) AS n FROM {table(f)} r
                 WHERE {w} AND r.day < :d_from AND r.stream IN ({CREATED}, {RESOLVED}, {REOPENS}))
        SELECT b.bucket, b.partial, coalesce(s.c, 0)::int AS created, coalesce(s.d, 0)::int AS resolved,
               coalesce(s.o, 0)::int AS reopened,
               ((SELECT n FROM base) + sum(coalesce(s.c, 0) - coalesce(s.d, 0) + coalesce(s.o, 0))
                 OVER (ORDER BY b.bucket))::int AS backlog
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params)


def throughput(session: Session, f: TicketFilter, grain: str) -> list[dict]:
    return [{"bucket": r["bucket"], "partial": r["partial"], "done": r["resolved"]}
            for r in created_resolved(session, f, grain)]


def sla_by_week(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH b AS ({buckets('week')}),
        s AS (SELECT date_trunc('week', r.day)::date AS bucket, sum(r.resolved_sla_met) AS met,
                     sum(r.resolved_sla_breached) AS breached
              FROM {table(f)} r WHERE {w} AND r.stream = {RESOLVED} AND r.day >= :d_from AND r.day <= :d_to GROUP BY 1)
        SELECT b.bucket, b.partial, coalesce(s.met, 0)::int AS met, coalesce(s.breached, 0)::int AS breached
        FROM b LEFT JOIN s USING (bucket) ORDER BY b.bucket""", params)


def sla_by_priority(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        SELECT p.id AS priority_id, p.name_en, p.name_ru, p.color, sum(r.resolved_sla_met)::int AS met,
               sum(r.resolved_sla_breached)::int AS breached
        FROM {table(f, by_priority=True)} r LEFT JOIN priorities p ON p.id = r.priority_id
        WHERE {w} AND r.stream = {RESOLVED} AND r.day >= :d_from AND r.day <= :d_to
        GROUP BY p.id HAVING sum(r.resolved_sla_met + r.resolved_sla_breached) > 0 ORDER BY p.rank NULLS LAST""",
                params)


def agents_done(session: Session, f: TicketFilter) -> dict[int, dict]:
    """Per assignee: resolved, median cycle time, SLA met %, reopen rate % (reopens ÷ resolutions) in the range.

    Whole months come from the per-agent monthly sums, the days at the range's ends from the daily rows
    (a priority or channel filter reads the full daily rollup)."""
    w, params = _w(f)
    sums = ("sum(r.resolved)::int AS resolved, sum(r.reopens)::int AS reopens, sum(r.resolved_sla_met)::int AS met,"
            " sum(r.resolved_sla_met + r.resolved_sla_breached)::int AS with_sla")
    daily_rows = (f"SELECT r.assignee_id AS id, {sums} FROM {table(f, by_assignee=True)} r WHERE {w}"
                  f" AND r.stream IN ({RESOLVED}, {REOPENS}) AND r.assignee_id IS NOT NULL"
                  f" AND r.day >= :d_from AND r.day <= :d_to")
    if f.priority or f.channel:
        source = daily_rows + " GROUP BY 1"
    else:
        first, after = _whole_months(f)
        params |= {"m_first": first, "m_after": after}
        source = (f"SELECT r.assignee_id AS id, {sums} FROM analytics_agent_month r WHERE {w}"
                  f" AND r.month >= :m_first AND r.month < :m_after GROUP BY 1"
                  f" UNION ALL {daily_rows} AND NOT (r.day >= :m_first AND r.day < :m_after) GROUP BY 1")
    found = rows(session, f"""
        SELECT x.id, sum(x.resolved)::int AS resolved, sum(x.reopens)::int AS reopens,
               100.0 * sum(x.met) / nullif(sum(x.with_sla), 0) AS sla_met
        FROM ({source}) AS x GROUP BY 1 HAVING sum(x.resolved) > 0 OR sum(x.reopens) > 0""", params)
    if f.priority or f.channel:
        cycles = {g: v[1][0.5] for g, v in percentiles(session, f, CYCLE_HOURS, (0.5,), 24.0, "assignee_id").items()}
    else:
        cycles = agent_cycle_medians(session, f)
    return {r["id"]: {"resolved": r["resolved"], "sla_met": r["sla_met"],
                      "reopen_rate": 100.0 * r["reopens"] / r["resolved"] if r["resolved"] else None,
                      "cycle_p50": cycles.get(r["id"])} for r in found}


def agent_cycle_medians(session: Session, f: TicketFilter) -> dict[int, float]:
    """{assignee: median cycle time in days} over the range, exact: whole months' packed (value, count)
    arrays (analytics_cycle_agent_month) and the end days' counts packed the same way, merged with numpy."""
    w, params = _w(f)
    first, after = _whole_months(f)
    found = rows(session, f"""
        SELECT r.assignee_id AS id, r.vals, r.counts FROM analytics_cycle_agent_month r
        WHERE {w} AND r.month >= :m_first AND r.month < :m_after
        UNION ALL
        SELECT x.id, string_agg(int4send(x.value), ''::bytea ORDER BY x.value),
               string_agg(int4send(x.n), ''::bytea ORDER BY x.value)
        FROM (SELECT r.assignee_id AS id, r.value, sum(r.n)::int AS n FROM analytics_dist r
              WHERE {w} AND r.metric = {CYCLE_HOURS} AND r.assignee_id IS NOT NULL
                AND r.day BETWEEN :d_from AND :d_to AND NOT (r.day >= :m_first AND r.day < :m_after)
              GROUP BY 1, 2) AS x GROUP BY x.id""", params | {"m_first": first, "m_after": after})
    if not found:
        return {}
    who = np.repeat(np.fromiter((r["id"] for r in found), np.int64, len(found)),
                    np.fromiter((len(r["vals"]) // 4 for r in found), np.int64, len(found)))
    values = np.frombuffer(b"".join(r["vals"] for r in found), ">i4").astype(np.int64)
    counts = np.frombuffer(b"".join(r["counts"] for r in found), ">i4").astype(np.int64)
    order = np.lexsort((values, who))
    who, values, counts = who[order], values[order], counts[order]
    upto = np.cumsum(counts)  # running count over all agents, each agent's values ascending
    starts = np.flatnonzero(np.r_[True, who[1:] != who[:-1]])
    ends = np.r_[starts[1:], len(who)]
    before = np.r_[0, upto[:-1]][starts]  # the count before each agent's first value
    out = {}
    for agent, begin, end, base in zip(who[starts].tolist(), starts.tolist(), ends.tolist(), before.tolist()):
        n = int(upto[end - 1]) - base

        def value_at(k):  # the k-th smallest (0-based) of this agent's values
            return int(values[np.searchsorted(upto[begin:end], base + k, side="right") + begin])
        pos = 0.5 * (n - 1)
        low = int(pos)
        frac = pos - low
        a = value_at(low)
        out[agent] = (float(a) if frac == 0 else float(a + (value_at(low + 1) - a) * frac)) / 24.0
    return out


def arrivals(session: Session, f: TicketFilter) -> list[dict]:
    w, params = _w(f)
    return rows(session, f"""
        WITH d AS (SELECT extract(isodow FROM r.day)::int AS weekday, {", ".join(
            f"sum(r.created_hours[{i}])::int AS h{i}" for i in range(1, 25))}
                   FROM {table(f)} r WHERE {w} AND r.stream = {CREATED} AND r.day >= :d_from AND r.day <= :d_to
                   GROUP BY 1),
        a AS (SELECT d.weekday, u.i::int - 1 AS hour, u.n
              FROM d CROSS JOIN LATERAL unnest(ARRAY[{", ".join(f"d.h{i}" for i in range(1, 25))}])
                   WITH ORDINALITY AS u(n, i))
        SELECT d AS weekday, h AS hour, coalesce(a.n, 0)::int AS n
        FROM generate_series(1, 7) AS d CROSS JOIN generate_series(0, 23) AS h
        LEFT JOIN a ON a.weekday = d AND a.hour = h ORDER BY d, h""", params)


def cumulative_flow(session: Session, f: TicketFilter) -> list[dict]:
    """Per day from the day before the range: tickets in each status at the end of the day."""
    w, params = _w(f)
    sums = ", ".join(f"sum(r.status_net[{i + 1}]) AS {s}" for i, s in enumerate(STATUSES))
    return rows(session, f"""
        WITH d AS (SELECT greatest(r.day, CAST(:d_from AS date) - 1) AS day, {sums}
                   FROM {table(f)} r WHERE {w} AND r.stream = {STATUS_NET} AND r.day <= :d_to GROUP BY 1),
        grid AS (SELECT g::date AS day FROM generate_series(CAST(:d_from AS timestamp) - interval '1 day',
                                                          CAST(:d_to AS timestamp), interval '1 day') AS g)
        SELECT grid.day, {", ".join(f"(sum(coalesce(d.{s}, 0)) OVER (ORDER BY grid.day))::int AS {s}" for s in STATUSES)}
        FROM grid LEFT JOIN d USING (day) ORDER BY grid.day""", params)


def monthly(session: Session, f: TicketFilter, column: str, since: date, until: date) -> list[dict]:
    """Compare's samples: per (group, month) in [since, until): resolved, SLA met/with SLA, and the cycle-time
    counts per hour (exact medians) — from the monthly sums, thousands of rows at a million tickets."""
    w, params = _w(f)
    params |= {"since": since, "until": until}
    counts = rows(session, f"""
        SELECT r.{column} AS id, date_trunc('month', r.day)::date AS month, sum(r.resolved)::int AS resolved,
               sum(r.resolved_sla_met)::int AS sla_met_n,
               sum(r.resolved_sla_met + r.resolved_sla_breached)::int AS sla_n
        FROM {table(f, by_assignee=column == "assignee_id")} r WHERE {w} AND r.stream = {RESOLVED}
          AND r.{column} IS NOT NULL AND r.day >= :since AND r.day < :until GROUP BY 1, 2""", params)
    hours = rows(session, f"""
        SELECT r.{column} AS id, r.month, r.value, sum(r.n)::int AS n FROM analytics_dist_month r
        WHERE {w} AND r.metric = {CYCLE_HOURS} AND r.{column} IS NOT NULL AND r.month >= :since AND r.month < :until
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", params)
    by_key: dict = {}
    for r in hours:
        by_key.setdefault((r["id"], r["month"]), []).append((r["value"], r["n"]))
    return [dict(r, handle_p50=_days(hist_percentile(by_key.get((r["id"], r["month"]), []), 0.5)),
                 handle_p85=_days(hist_percentile(by_key.get((r["id"], r["month"]), []), 0.85))) for r in counts]


def _days(value_hours: float | None) -> float | None:
    return None if value_hours is None else value_hours / 24.0
