"""Before/after comparison around a date (e.g. Okno's go-live), per agent and per team.

SQL returns one small row per (agent or team, month): resolutions, median and 85th-percentile
cycle time (days, hours precision: the same figure as on every other page), SLA met/with SLA — from
the maintained per group-month table (data/metrics/monthly.py) when the filter is one it covers, else
from the rollup's monthly distributions, else from the events; all three give the same numbers. The
differences after − before and their 95% bootstrap intervals are computed here with numpy over those
months, every group in one pass (fixed seed, so a page shows the same numbers every time). Only whole months count: the current month and the month the history starts in are left out.
Months with nothing resolved count as zero, from the group's first resolution in the window on (an agent
who joined later gets no zeros for the months before).
"""
from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, monthly as monthly_table, one, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, today, tz, where
from data.metrics.sql import CYCLE_DAYS, resolution_rows

SEED = 20240601
RESAMPLES = 4000
MEASURES = ("resolved", "handle_p50", "handle_p85", "sla_met")
GROUPS = {"agent": ("assignee_id", "users"), "team": ("team_id", "teams")}


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def default_pivot() -> date:
    """The demo's go-live: the first day of the month six months before today."""
    return add_months(today().replace(day=1), -6)


def monthly(session: Session, f: TicketFilter, group: str, since: date, until: date) -> list[dict]:
    """Per (group id, month) aggregates of the resolutions in [since, until), months with none included
    as zeros from the group's first month with a resolution."""
    column, table = GROUPS[group]
    found = monthly_table.read(session, f, column, since, until) if rollup.usable(session, f) else None
    if found is not None:
        pass  # the maintained per group-month rows (data/metrics/monthly.py)
    elif rollup.usable(session, f) and not (f.priority or f.channel):
        found = daily.monthly(session, f, column, since, until)
    else:
        w, params = where(f)
        start, end = (datetime.combine(d, time.min, tzinfo=tz()) for d in (since, until))
        found = rows(session, f"""
            SELECT r.{column} AS id, date_trunc('month', r.done_at AT TIME ZONE :tz)::date AS month,
                   count(*) AS resolved,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS handle_p50,
                   percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS handle_p85,
                   count(*) FILTER (WHERE r.sla_met = 1) AS sla_met_n, count(r.sla_met) AS sla_n
            FROM ({resolution_rows(w)}) AS r WHERE r.{column} IS NOT NULL
            GROUP BY 1, 2""", params | {"start": start, "end": end, "tz": tz().key})
    names = {r["id"]: r["name"] for r in rows(session, f"SELECT id, name FROM {table} WHERE id = ANY(:ids)",
                                                {"ids": sorted({r["id"] for r in found})})}
    by_key = {(r["id"], r["month"]): r for r in found}
    first: dict[int, date] = {}
    for gid, m in by_key:
        first[gid] = min(m, first.get(gid, m))
    out = []
    for gid in sorted(names, key=lambda i: (names[i], i)):
        month = first[gid]
        while month < until:
            out.append({**by_key.get((gid, month), {"id": gid, "month": month, "resolved": 0, "handle_p50": None,
                                                    "handle_p85": None, "sla_met_n": 0, "sla_n": 0}),
                        "name": names[gid]})
            month = add_months(month, 1)
    return out


FIELDS = ("resolved", "handle_p50", "handle_p85", "sla_met_n", "sla_n")
CHUNK = 1_500_000  # resampled months held in memory at once (groups × resamples × months)


def _side(groups: list[list[dict]]) -> tuple[np.ndarray, np.ndarray]:
    """The months of one side of every group as (G × M × fields, NaN-padded; months per group)."""
    width = max((len(g) for g in groups), default=0)
    values = np.full((len(groups), max(width, 1), len(FIELDS)), np.nan)
    for i, months in enumerate(groups):
        for j, r in enumerate(months):
            values[i, j] = [np.nan if r[k] is None else float(r[k]) for k in FIELDS]
    return values, np.array([len(g) for g in groups])


def _weights(values: np.ndarray) -> np.ndarray:
    """Per month the sums the measures need (G × M × 8): each mean measure's value and whether it is there
    (nanmean), SLA met and with SLA (pooled). Padding months are all NaN and weigh nothing."""
    there = ~np.isnan(values)
    v = np.where(there, values, 0.0)
    i = {k: FIELDS.index(k) for k in FIELDS}
    return np.stack([v[..., i["resolved"]], there[..., i["resolved"]],
                     v[..., i["handle_p50"]], there[..., i["handle_p50"]],
                     v[..., i["handle_p85"]], there[..., i["handle_p85"]],
                     v[..., i["sla_met_n"]], v[..., i["sla_n"]]], axis=-1)


def _stats(sums: np.ndarray) -> np.ndarray:
    """The four measures (last axis, in MEASURES order) from summed weights: means per month, SLA pooled %
    (NaN where nothing was there to average)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums[..., 0::2] / sums[..., 1::2]  # value sums ÷ months there; SLA met ÷ with SLA
    out[sums[..., 1::2] == 0] = np.nan
    out[..., 3] *= 100.0
    return out


def _resampled(weights: np.ndarray, n: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The measures over RESAMPLES resamplings (with replacement) of each group's months: G × RESAMPLES × 4.

    A resampling is a count per month (how often it was drawn); its sums are those counts times the months'
    weights. Groups with the same number of months are drawn together — a few array operations for all of
    them, in chunks that bound memory."""
    out = np.empty((len(n), RESAMPLES, len(MEASURES)))
    for size in np.unique(n):
        members = np.flatnonzero(n == size)
        step = max(1, CHUNK // (RESAMPLES * size))
        for lo in range(0, len(members), step):
            chosen = members[lo:lo + step]
            draws = rng.integers(0, size, (size, len(chosen), RESAMPLES), dtype=np.uint8)
            counts = np.zeros((size, len(chosen), RESAMPLES), np.uint8)  # how often each month was drawn
            for draw in draws:
                for month in range(size):
                    counts[month] += draw == month
            out[chosen] = _stats(np.matmul(np.moveaxis(counts, 0, -1).astype(float), weights[chosen, :size]))
    return out


def _interval(diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row the 2.5th and 97.5th percentiles of its non-NaN values (numpy's linear method), NaN if none."""
    ordered = np.sort(diff, axis=1)  # NaN last
    k = (~np.isnan(ordered)).sum(axis=1)
    out = []
    for q in (0.025, 0.975):
        pos = q * np.maximum(k - 1, 0)
        low = np.floor(pos).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(k - 1, 0))
        a = np.take_along_axis(ordered, low[:, None], 1)[:, 0]
        b = np.take_along_axis(ordered, high[:, None], 1)[:, 0]
        out.append(np.where(k > 0, a + (b - a) * (pos - low), np.nan))
    return out[0], out[1]


def bootstrap(pairs: list[tuple[list[dict], list[dict]]], rng: np.random.Generator) -> list[dict[str, dict]]:
    """For each group's (before months, after months) and each measure: before, after, difference and its 95%
    percentile-bootstrap interval (resampling each side's months RESAMPLES times; needs ≥ 2 months a side)."""
    if not pairs:
        return []
    sides = [_side([p[i] for p in pairs]) for i in (0, 1)]
    weights = [_weights(values) for values, _n in sides]
    points = [_stats(w.sum(axis=1)) for w in weights]  # G × 4
    both = np.all([n >= 2 for _v, n in sides], axis=0)
    low = high = np.full((len(pairs), len(MEASURES)), np.nan)
    if both.any():
        chosen = np.flatnonzero(both)
        diff = _resampled(weights[1][chosen], sides[1][1][chosen], rng) - \
            _resampled(weights[0][chosen], sides[0][1][chosen], rng)
        low, high = low.copy(), high.copy()
        for m in range(len(MEASURES)):
            low[chosen, m], high[chosen, m] = _interval(diff[:, :, m])
    out = []
    for g in range(len(pairs)):
        entry = {}
        for m, measure in enumerate(MEASURES):
            b, a = (None if np.isnan(x) else float(x) for x in (points[0][g, m], points[1][g, m]))
            lo, hi = (None if np.isnan(x) else float(x) for x in (low[g, m], high[g, m]))
            entry[measure] = {"before": b, "after": a, "diff": None if b is None or a is None else a - b,
                              "low": lo, "high": hi}
        out.append(entry)
    return out


def compare(session: Session, actor: User, f: TicketFilter, pivot: date | None = None,
            months_before: int = 6, groups=tuple(GROUPS)) -> dict:
    """Per agent and per team: monthly resolved, median/P85 handling time (days), SLA met %, before vs after.

    Cycle time = work started → done (per resolution cycle), days at hours precision — "handling time" in the
    seeds' words. Months without a resolution count as zero from the group's first month with one.
    """
    require_analytics(actor)
    pivot = (pivot or default_pivot()).replace(day=1)
    since, until = add_months(pivot, -months_before), today().replace(day=1)
    # The month the history of these tickets (this board, team, service...) starts in is partial: left out too.
    w, params = where(f)
    first = one(session, f"SELECT min(t.created_at) AS at FROM tickets t WHERE {w}", params)["at"]
    if first is not None:
        first = first.astimezone(tz())
        since = max(since, first.date() if (first.day, first.hour, first.minute) == (1, 0, 0)
                    else add_months(first.date().replace(day=1), 1))
    result = {"pivot": pivot, "since": since, "until": until}
    for group in groups:  # the page asks only for the one it shows
        by_id: dict[int, dict] = {}
        for r in monthly(session, f, group, since, until):
            entry = by_id.setdefault(r["id"], {"id": r["id"], "name": r["name"], "before": [], "after": []})
            entry["before" if r["month"] < pivot else "after"].append(r)
        entries = sorted(by_id.values(), key=lambda e: e["name"])
        measures = bootstrap([(e["before"], e["after"]) for e in entries], np.random.default_rng(SEED))
        result[group] = [{**{k: e[k] for k in ("id", "name")}, "months_before": len(e["before"]),
                          "months_after": len(e["after"]), **m} for e, m in zip(entries, measures)]
    return result
