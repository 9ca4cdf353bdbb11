"""Before/after comparison around a date (e.g. Okno's go-live), per agent and per team.

SQL returns one small row per (agent or team, month): resolved, median and 85th-percentile
handling time, SLA met/with SLA. The differences after − before and their 95% bootstrap intervals
are computed here with numpy over those months (fixed seed, so a page shows the same numbers
every time). Only whole months count: the current month and the month the history starts in are left out.
"""
from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
from sqlalchemy.orm import Session

from data.models import User
from data.metrics import one, require_analytics, rows
from data.metrics.filters import TicketFilter, today, tz, where
from data.metrics.sql import DONE_IN_RANGE, HANDLE_DAYS, SLA_MET

SEED = 20240601
RESAMPLES = 4000
MEASURES = ("resolved", "handle_p50", "handle_p85", "sla_met")
GROUPS = {"agent": ("t.assignee_id", "users"), "team": ("t.team_id", "teams")}


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def default_pivot() -> date:
    """The demo's go-live: the first day of the month six months before today."""
    return add_months(today().replace(day=1), -6)


def monthly(session: Session, f: TicketFilter, group: str, since: date, until: date) -> list[dict]:
    """Per (group id, month) aggregates of tickets done in [since, until)."""
    column, table = GROUPS[group]
    w, params = where(f)
    start, end = (datetime.combine(d, time.min, tzinfo=tz()) for d in (since, until))
    return rows(session, f"""
        SELECT {column} AS id, g.name, date_trunc('month', t.resolved_at AT TIME ZONE :tz)::date AS month,
               count(*) AS resolved,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {HANDLE_DAYS}) AS handle_p50,
               percentile_cont(0.85) WITHIN GROUP (ORDER BY {HANDLE_DAYS}) AS handle_p85,
               count(*) FILTER (WHERE {SLA_MET} = 1) AS sla_met_n, count({SLA_MET}) AS sla_n
        FROM tickets t JOIN {table} g ON g.id = {column}
        WHERE {w} AND {DONE_IN_RANGE}
        GROUP BY 1, 2, 3 ORDER BY 2, 3""", params | {"start": start, "end": end, "tz": tz().key})


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

    Handling time = work started → done, elapsed days (as the seeds measure it). Months with no done ticket for a
    group are absent from its sample (an agent who joined later has fewer months).
    """
    require_analytics(actor)
    pivot = (pivot or default_pivot()).replace(day=1)
    since, until = add_months(pivot, -months_before), today().replace(day=1)
    first = one(session, "SELECT min(created_at) AS at FROM tickets", {})["at"]
    if first is not None:  # the month the history starts in is partial: leave it out too
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
