"""The weekly summary's figures, taken from data/metrics so that they equal the analytics pages'
(the same functions, the same rollup when it is built, the same definitions).

Only what analytics has no function for is queried here — SLA breaches per weekday and the most
overdue open requests — with data/metrics' SQL definitions (data/metrics/sql.py).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from data.metrics import require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.flow import created_resolved
from data.metrics.kpi import kpis
from data.metrics.sql import resolution_rows
from data.metrics.team import agents
from data.models import User
from data.tickets.status import open_at

__all__ = ["week_filter", "scoped_kpis", "team_agents", "daily", "breaches_by_weekday", "overdue"]


def week_filter(start: date, end: date, *, teams: tuple[int, ...] = ()) -> TicketFilter:
    """The analytics filter for one week (Mon–Sun, local days), for the chosen teams or everyone."""
    return TicketFilter(date_from=start, date_to=end, team=tuple(teams))


def scoped_kpis(session: Session, actor: User, f: TicketFilter, team_ids: list[int],
                service_ids: list[int]) -> dict[tuple[str, int | None], dict]:
    """data/metrics' KPI figures (this week and the one before) for the whole filter, each team and
    each service (within the chosen teams): {("company", None) | ("team", id) | ("service", id): kpis}."""
    out = {("company", None): kpis(session, actor, f)}
    for team_id in team_ids:
        out[("team", team_id)] = kpis(session, actor, replace(f, team=(team_id,)))
    for service_id in service_ids:
        out[("service", service_id)] = kpis(session, actor, replace(f, service=(service_id,)))
    return out


def team_agents(session: Session, actor: User, f: TicketFilter, team_ids: list[int]) -> dict[int, list[dict]]:
    """Per team: data/metrics' per-agent rows (open now, resolved in the week) for the team's tickets."""
    return {team_id: agents(session, actor, replace(f, team=(team_id,))) for team_id in team_ids}


def daily(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Created, resolved and open backlog per local day of the week."""
    return created_resolved(session, actor, f, "day")


def breaches_by_weekday(session: Session, actor: User, f: TicketFilter, group: str = "team_id") -> list[dict]:
    """Resolutions of the week whose cycle breached an SLA target, per scope (team or service) and ISO weekday
    of the resolution — the same ones that lower analytics' "SLA met"."""
    require_analytics(actor)
    assert group in ("team_id", "service_id")
    w, params = where(f)
    return rows(session, f"""
        SELECT r.{group} AS scope_id, extract(isodow FROM r.done_at AT TIME ZONE :tz)::int AS weekday,
               count(*) AS breached
        FROM ({resolution_rows(w)}) AS r WHERE r.sla_met = 0
        GROUP BY 1, 2 ORDER BY 1, 2""", params | range_params(f))


def overdue(session: Session, actor: User, f: TicketFilter, limit: int = 10) -> list[dict]:
    """Requests open at the end of the week (by the event history) whose resolution was due before then,
    most overdue first."""
    require_analytics(actor)
    w, params = where(f)
    return rows(session, f"""
        SELECT t.number, t.title, tm.name AS team, s.name AS service, u.name AS assignee,
               t.resolution_due_at AS due_at, extract(epoch FROM :at - t.resolution_due_at) / 3600.0 AS overdue_hours
        FROM tickets t LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN services s ON s.id = t.service_id
        LEFT JOIN users u ON u.id = t.assignee_id
        WHERE {w} AND {open_at(':at')} AND t.resolution_due_at < :at
        ORDER BY t.resolution_due_at, t.id LIMIT :limit""", params | range_params(f) | {"at": f.end, "limit": limit})
