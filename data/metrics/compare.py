"""Before/after comparison around a date (e.g. Okno's go-live), per agent and per team.

SQL returns one small row per (agent or team, month): resolutions, median and 85th-percentile
cycle time (days, hours precision: the same figure as on every other page), SLA met/with SLA — from
the rollup's monthly sums when it is built, else from the events. The differences after − before and their 95% bootstrap intervals
are computed here with numpy over those months (fixed seed, so a page shows the same numbers
every time). Only whole months count: the current month and the month the history starts in are left out.
Months with nothing resolved count as zero, from the group's first resolution in the window on (an agent
who joined later gets no zeros for the months before).
"""
from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, one, require_analytics, rollup, rows
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
    if rollup.usable(session, f) and not (f.priority or f.channel):
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
    out = []
    for gid in sorted(names, key=lambda i: (names[i], i)):
        month = min(m for g, m in by_key if g == gid)
        while month < until:
            out.append({**by_key.get((gid, month), {"id": gid, "month": month, "resolved": 0, "handle_p50": None,
                                                    "handle_p85": None, "sla_met_n": 0, "sla_n": 0}),
                        "name": names[gid]})
            month = add_months(month, 1)
    return out


def _stat(measure: str, months: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """The figure over resampled months (idx: resamples × months): mean per month, SLA pooled."""
    if measure == "sla_met":
        n = months["sla_n"][idx].sum(axis=-1)
        return np.where(n > 0, 100.0 * months["sla_met_n"][idx].sum(axis=-1) / np.maximum(n, 1), np.nan)
    return np.nanmean(months[measure][idx], axis=-1)


def bootstrap(before: list[dict], after: list[dict], rng: np.random.Generator) -> dict[str, dict]:
    """For each measure: before, after, difference and its 95% percentile-bootstrap interval."""
    out = {}
    sides = []
    for side in (before, after):
        sides.append({k: np.array([np.nan if r[k] is None else float(r[k]) for r in side]) for k in
                      ("resolved", "handle_p50", "handle_p85", "sla_met_n", "sla_n")})
    for measure in MEASURES:
        point = [_stat(measure, s, np.arange(len(s["resolved"]))[None, :])[0] if len(s["resolved"]) else np.nan
                 for s in sides]
        low = high = None
        if all(len(s["resolved"]) >= 2 for s in sides):
            draws = [_stat(measure, s, rng.integers(0, len(s["resolved"]), (RESAMPLES, len(s["resolved"]))))
                     for s in sides]
            diff = draws[1] - draws[0]
            diff = diff[~np.isnan(diff)]
            if len(diff):
                low, high = (float(x) for x in np.percentile(diff, [2.5, 97.5]))
        b, a = (None if np.isnan(x) else float(x) for x in point)
        out[measure] = {"before": b, "after": a, "diff": None if b is None or a is None else a - b,
                        "low": low, "high": high}
    return out


def compare(session: Session, actor: User, f: TicketFilter, pivot: date | None = None,
            months_before: int = 6) -> dict:
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
    for group in GROUPS:
        by_id: dict[int, dict] = {}
        for r in monthly(session, f, group, since, until):
            entry = by_id.setdefault(r["id"], {"id": r["id"], "name": r["name"], "before": [], "after": []})
            entry["before" if r["month"] < pivot else "after"].append(r)
        rng = np.random.default_rng(SEED)
        result[group] = [{**{k: e[k] for k in ("id", "name")}, "months_before": len(e["before"]),
                          "months_after": len(e["after"]), **bootstrap(e["before"], e["after"], rng)}
                         for e in sorted(by_id.values(), key=lambda e: e["name"])]
    return result
