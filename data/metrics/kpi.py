"""KPI cards: each figure for the chosen period and for the period of the same length before it,
computed from the event history (or its rollup): resolutions and reopens are events of the period,
the backlog is what was open at its end, percentiles are exact."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, one, require_analytics, rollup
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CYCLE_DAYS, FIRST_RESPONSE_MINUTES, REOPENS_IN_RANGE, resolution_rows
from data.tickets import status as statuses

KPIS = ("created", "resolved", "backlog", "cycle_p50", "cycle_p85", "first_response_p50", "sla_met", "reopened")
# For these a rise is bad news (the card shows the change in red).
LOWER_IS_BETTER = {"backlog", "cycle_p50", "cycle_p85", "first_response_p50", "reopened"}


def kpis(session: Session, actor: User, f: TicketFilter) -> dict[str, dict]:
    """{kpi: {"value": current, "previous": previous period, "change": relative change or None}}."""
    require_analytics(actor)
    prev = f.previous()
    if rollup.usable(session, f):
        return _shape(daily.kpis(session, f, prev))
    return _shape({"cur": period_figures(session, f), "prev": period_figures(session, prev)})


def period_figures(session: Session, f: TicketFilter) -> dict:
    """The KPI figures of one period straight from the events."""
    w, params = where(f)
    params |= range_params(f)
    out = one(session, f"""
        SELECT count(*) AS resolved,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS cycle_p50,
               percentile_cont(0.85) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS cycle_p85,
               100.0 * avg(r.sla_met) AS sla_met
        FROM ({resolution_rows(w)}) AS r""", params)
    out |= one(session, f"""
        SELECT count(*) FILTER (WHERE t.created_at >= :start) AS created,
               count(*) FILTER (WHERE {statuses.open_at(':end')}) AS backlog
        FROM tickets t WHERE {w} AND t.created_at < :end""", params)
    out |= one(session, f"""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {FIRST_RESPONSE_MINUTES}) / 60.0 AS first_response_p50
        FROM tickets t WHERE {w} AND t.first_response_at >= :start AND t.first_response_at < :end""", params)
    out |= one(session, f"""
        SELECT count(*) AS reopened FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
        WHERE {w} AND {REOPENS_IN_RANGE}""", params)
    return out


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
