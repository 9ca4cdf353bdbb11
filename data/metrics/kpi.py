"""KPI cards: each figure for the chosen period and for the period of the same length before it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, one, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CYCLE_DAYS, FIRST_RESPONSE_HOURS, SLA_MET
from data.tickets import status as statuses

KPIS = ("created", "resolved", "backlog", "cycle_p50", "cycle_p85", "first_response_p50", "sla_met", "reopened")
# For these a rise is bad news (the card shows the change in red).
LOWER_IS_BETTER = {"backlog", "cycle_p50", "cycle_p85", "first_response_p50", "reopened"}


def kpis(session: Session, actor: User, f: TicketFilter) -> dict[str, dict]:
    """{kpi: {"value": current, "previous": previous period, "change": relative change or None}}."""
    require_analytics(actor)
    prev = f.previous()
    w, params = where(f)
    params |= range_params(f) | {"p_start": prev.start}
    period = "CASE WHEN {col} >= :start THEN 'cur' ELSE 'prev' END"
    if rollup.usable(session, f):
        return _shape(daily.kpis(session, f, prev))
    created = rows(session, f"""
        SELECT {period.format(col='t.created_at')} AS p, count(*) AS created,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {FIRST_RESPONSE_HOURS}) AS first_response_p50
        FROM tickets t WHERE {w} AND t.created_at >= :p_start AND t.created_at < :end GROUP BY 1""", params)
    done = rows(session, f"""
        SELECT {period.format(col='t.resolved_at')} AS p, count(*) AS resolved,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS cycle_p50,
               percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS cycle_p85,
               100.0 * avg({SLA_MET}) AS sla_met
        FROM tickets t WHERE {w} AND {statuses.done_between(':p_start', ':end')}
        GROUP BY 1""", params)
    reopened = rows(session, f"""
        SELECT {period.format(col='e.at')} AS p, count(*) AS reopened
        FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
        WHERE {w} AND {statuses.reopened('e')} AND e.at >= :p_start AND e.at < :end GROUP BY 1""", params)
    # Open at the end of each period (the WHERE only skips tickets done before both ends).
    backlog = one(session, f"""
        SELECT count(*) FILTER (WHERE {statuses.open_at(':end')}) AS cur,
               count(*) FILTER (WHERE {statuses.open_at(':start')}) AS prev
        FROM tickets t WHERE {w} AND (t.status <> 'done' OR t.resolved_at >= :start)""", params)
    by_period = {"cur": {}, "prev": {}}
    for part in (done, created, reopened):
        for row in part:
            by_period[row.pop("p")].update(row)
    by_period["cur"]["backlog"], by_period["prev"]["backlog"] = backlog.get("cur", 0), backlog.get("prev", 0)
    return _shape(by_period)


def _shape(by_period: dict) -> dict[str, dict]:
    out = {}
    for key in KPIS:
        zero = 0 if key in ("created", "resolved", "reopened", "backlog") else None
        value, previous = by_period["cur"].get(key, zero), by_period["prev"].get(key, zero)
        value, previous = _plain(value), _plain(previous)
        change = (value - previous) / previous if value is not None and previous else None
        out[key] = {"value": value, "previous": previous, "change": change}
    return out


def _plain(value):
    return float(value) if value is not None and not isinstance(value, int) else value
