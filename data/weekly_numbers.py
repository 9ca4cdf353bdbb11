"""The weekly summary's figures, aggregated in SQL.

FALLBACK: data/metrics (the analytics helper's module) was not on main when this was written, so
these queries follow the definitions in ENGINEERING-NOTES ("Metrics and SLA conventions") and
docs/weekly.md. Once data/metrics lands, this module should only delegate to it (kpis, agents,
created_resolved) so that the page's numbers equal the analytics pages' by construction.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from . import permissions
from .config import get_config
from .models import User

# ActionableAgile's cycle time: done date − first in-progress date + 1, local calendar days
# (a ticket that skipped in-progress counts one day).
CYCLE_DAYS = ("(((t.resolved_at AT TIME ZONE :tz)::date"
              " - (coalesce(t.started_at, t.resolved_at) AT TIME ZONE :tz)::date) + 1)")
FIRST_RESPONSE_HOURS = "(extract(epoch FROM t.first_response_at - t.created_at) / 3600.0)"
# 1 = every SLA target met, 0 = a target breached, NULL = no SLA applies.
SLA_MET = ("(CASE WHEN t.sla_first_response_breached IS NULL AND t.sla_resolution_breached IS NULL THEN NULL"
           " WHEN coalesce(t.sla_first_response_breached, false) OR coalesce(t.sla_resolution_breached, false)"
           " THEN 0 ELSE 1 END)")
DONE_IN_RANGE = "t.status = 'done' AND t.resolved_at >= :start AND t.resolved_at < :end"
OPEN_AT = "t.created_at < :at AND NOT (t.status = 'done' AND t.resolved_at < :at)"
COUNTS = ("created", "resolved", "backlog")

__all__ = ["week_filter", "scoped_kpis", "team_agents", "daily", "breaches_by_weekday", "overdue"]


@dataclass(frozen=True)
class WeekFilter:
    date_from: date
    date_to: date  # inclusive
    team: tuple[int, ...] = ()
    service: tuple[int, ...] = ()

    def _at(self, d: date) -> datetime:
        return datetime.combine(d, time.min, tzinfo=ZoneInfo(get_config().timezone))

    @property
    def start(self) -> datetime:
        return self._at(self.date_from)

    @property
    def end(self) -> datetime:
        return self._at(self.date_to + timedelta(days=1))

    def previous(self) -> WeekFilter:
        days = (self.date_to - self.date_from).days + 1
        return replace(self, date_from=self.date_from - timedelta(days=days), date_to=self.date_from - timedelta(days=1))


def week_filter(start: date, end: date, *, team: int | None = None, service: int | None = None,
                teams: tuple[int, ...] = ()) -> WeekFilter:
    if team is not None:
        return WeekFilter(start, end, team=(team,))
    if service is not None:
        return WeekFilter(start, end, team=teams, service=(service,))
    return WeekFilter(start, end, team=teams)


def _require(actor: User) -> None:
    permissions.require_role(actor, permissions.PAGES["analytics"], "read analytics")


def _where(f: WeekFilter) -> tuple[str, dict]:
    parts, params = ["TRUE"], {"tz": get_config().timezone, "start": f.start, "end": f.end,
                                "d_from": f.date_from, "d_to": f.date_to}
    if f.team:
        parts.append("t.team_id = ANY(:f_team)")
        params["f_team"] = list(f.team)
    if f.service:
        parts.append("t.service_id = ANY(:f_service)")
        params["f_service"] = list(f.service)
    return " AND ".join(parts), params


def _rows(session: Session, sql: str, params: dict) -> list[dict]:
    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in r._mapping.items()}
            for r in session.execute(text(sql), params)]


SCOPES = "GROUPING SETS ((t.p), (t.p, t.team_id), (t.p, t.service_id))"
SCOPE_KEY = ("CASE WHEN GROUPING(t.team_id) = 0 THEN 'team' WHEN GROUPING(t.service_id) = 0 THEN 'service'"
             " ELSE 'company' END AS kind, coalesce(t.team_id, t.service_id) AS scope_id")


def scoped_kpis(session: Session, actor: User, f: WeekFilter) -> dict[tuple[str, int | None], dict]:
    """The figures of the week and the week before for the whole filter, each team and each service:
    {("company", None) | ("team", id) | ("service", id): {figure: {"value", "previous", "change"}}}.

    One scan per kind of figure for every scope at once (GROUPING SETS), not one per scope.
    """
    _require(actor)
    w, params = _where(f)
    params["p_start"] = f.previous().start
    period = "CASE WHEN {col} >= :start THEN 'cur' ELSE 'prev' END AS p"
    by: dict[tuple, dict] = {}

    def collect(rows):
        for row in rows:
            key = (row.pop("kind"), row.pop("scope_id"))
            by.setdefault(key, {"cur": {}, "prev": {}})[row.pop("p")].update(row)
    collect(_rows(session, f"""
        SELECT t.p, {SCOPE_KEY}, count(*) AS resolved,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.cycle_days) AS cycle_p50, 100.0 * avg(t.sla_met) AS sla_met
        FROM (SELECT t.team_id, t.service_id, {period.format(col='t.resolved_at')}, {CYCLE_DAYS} AS cycle_days,
                     {SLA_MET} AS sla_met
              FROM tickets t WHERE {w} AND t.status = 'done' AND t.resolved_at >= :p_start AND t.resolved_at < :end) t
        GROUP BY {SCOPES}""", params))
    collect(_rows(session, f"""
        SELECT t.p, {SCOPE_KEY}, count(*) AS created,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.first_response) AS first_response_p50
        FROM (SELECT t.team_id, t.service_id, {period.format(col='t.created_at')},
                     {FIRST_RESPONSE_HOURS} AS first_response
              FROM tickets t WHERE {w} AND t.created_at >= :p_start AND t.created_at < :end) t
        GROUP BY {SCOPES}""", params))
    # Open at the end of the week (cur) and at its start (prev): created before, not done before.
    for row in _rows(session, f"""
        SELECT {SCOPE_KEY},
               count(*) FILTER (WHERE t.created_at < :end AND NOT (t.status = 'done' AND t.resolved_at < :end)) AS cur,
               count(*) FILTER (WHERE t.created_at < :start) AS prev
        FROM tickets t WHERE {w} AND (t.status <> 'done' OR t.resolved_at >= :start)
        GROUP BY GROUPING SETS ((), (t.team_id), (t.service_id))""", params):
        entry = by.setdefault((row["kind"], row["scope_id"]), {"cur": {}, "prev": {}})
        entry["cur"]["backlog"], entry["prev"]["backlog"] = row["cur"], row["prev"]
    return {key: _shape(periods) for key, periods in by.items()}


def _shape(by: dict) -> dict[str, dict]:
    out = {}
    for key in ("created", "resolved", "backlog", "cycle_p50", "first_response_p50", "sla_met"):
        zero = 0 if key in COUNTS else None
        value, previous = by["cur"].get(key, zero), by["prev"].get(key, zero)
        change = (value - previous) / previous if value is not None and previous else None
        out[key] = {"value": value, "previous": previous, "change": change}
    return out


def empty_kpis() -> dict[str, dict]:
    return _shape({"cur": {}, "prev": {}})


def team_agents(session: Session, actor: User, f: WeekFilter) -> dict[int, list[dict]]:
    """Per team, per assignee of the team's tickets: open now and resolved in the week."""
    _require(actor)
    w, params = _where(f)
    out: dict[int, list[dict]] = {}
    for row in _rows(session, f"""
        WITH o AS (SELECT t.team_id, t.assignee_id AS id, count(*) AS open_now FROM tickets t
                   WHERE {w} AND t.status <> 'done' AND t.assignee_id IS NOT NULL AND t.team_id IS NOT NULL GROUP BY 1, 2),
        d AS (SELECT t.team_id, t.assignee_id AS id, count(*) AS resolved FROM tickets t
              WHERE {w} AND {DONE_IN_RANGE} AND t.assignee_id IS NOT NULL AND t.team_id IS NOT NULL GROUP BY 1, 2)
        SELECT x.team_id, u.id AS agent_id, u.name, x.open_now, x.resolved
        FROM (SELECT team_id, id, coalesce(o.open_now, 0) AS open_now, coalesce(d.resolved, 0) AS resolved
              FROM o FULL JOIN d USING (team_id, id)) x JOIN users u ON u.id = x.id
        ORDER BY x.team_id, x.resolved DESC, u.name""", params):
        out.setdefault(row.pop("team_id"), []).append(row)
    return out


def daily(session: Session, actor: User, f: WeekFilter, open_at_start: int) -> list[dict]:
    """Per local day: created, resolved, and the open backlog at the day's end (from the backlog at the
    week's start, which scoped_kpis already counted)."""
    _require(actor)
    w, params = _where(f)
    rows = _rows(session, f"""
        WITH b AS (SELECT g::date AS bucket FROM generate_series(CAST(:d_from AS timestamp), CAST(:d_to AS timestamp),
                                                                 interval '1 day') AS g),
        c AS (SELECT (t.created_at AT TIME ZONE :tz)::date AS bucket, count(*) AS n FROM tickets t
              WHERE {w} AND t.created_at >= :start AND t.created_at < :end GROUP BY 1),
        r AS (SELECT (t.resolved_at AT TIME ZONE :tz)::date AS bucket, count(*) AS n FROM tickets t
              WHERE {w} AND {DONE_IN_RANGE} GROUP BY 1)
        SELECT b.bucket, coalesce(c.n, 0) AS created, coalesce(r.n, 0) AS resolved
        FROM b LEFT JOIN c USING (bucket) LEFT JOIN r USING (bucket) ORDER BY b.bucket""", params)
    backlog = open_at_start or 0
    for row in rows:
        backlog += row["created"] - row["resolved"]
        row["backlog"] = backlog
    return rows


def breaches_by_weekday(session: Session, actor: User, f: WeekFilter, group: str = "team_id") -> list[dict]:
    """Done tickets of the week that breached an SLA target, per scope and ISO weekday of resolution."""
    _require(actor)
    assert group in ("team_id", "service_id")
    w, params = _where(f)
    return _rows(session, f"""
        SELECT t.{group} AS scope_id, extract(isodow FROM t.resolved_at AT TIME ZONE :tz)::int AS weekday,
               count(*) AS breached
        FROM tickets t WHERE {w} AND {DONE_IN_RANGE} AND {SLA_MET} = 0 GROUP BY 1, 2 ORDER BY 1, 2""", params)


def overdue(session: Session, actor: User, f: WeekFilter, limit: int = 10) -> list[dict]:
    """Requests open at the end of the week whose resolution was due before then, most overdue first."""
    _require(actor)
    w, params = _where(f)
    return _rows(session, f"""
        SELECT t.number, t.title, tm.name AS team, s.name AS service, u.name AS assignee,
               t.resolution_due_at AS due_at, extract(epoch FROM :at - t.resolution_due_at) / 3600.0 AS overdue_hours
        FROM tickets t LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN services s ON s.id = t.service_id
        LEFT JOIN users u ON u.id = t.assignee_id
        WHERE {w} AND {OPEN_AT} AND t.resolution_due_at < :at
        ORDER BY t.resolution_due_at, t.id LIMIT :limit""", params | {"at": f.end, "limit": limit})
