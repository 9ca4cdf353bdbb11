"""Satisfaction figures: average score, ratings, response rate (rated ÷ resolutions asked about), per agent
and per service, for the resolutions in the period. An agent is credited with the resolutions they held
when the ticket was resolved (ratings.agent_id), not with whoever holds the ticket now."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where

_FIGURES = """count(*) AS asked, count(r.score) AS rated, avg(r.score) AS avg_score,
              100.0 * count(r.score) / nullif(count(*), 0) AS response_rate"""
_IN_RANGE = "r.resolved_at >= :start AND r.resolved_at < :end"


def by_agent(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    require_analytics(actor)
    w, params = where(f)
    return rows(session, f"""
        SELECT r.agent_id, u.name, {_FIGURES}
        FROM ratings r JOIN tickets t ON t.id = r.ticket_id JOIN users u ON u.id = r.agent_id
        WHERE {w} AND {_IN_RANGE}
        GROUP BY r.agent_id, u.name ORDER BY count(r.score) DESC, u.name""", params | range_params(f))


def by_service(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    require_analytics(actor)
    w, params = where(f)
    return rows(session, f"""
        SELECT t.service_id, coalesce(s.name, '—') AS name, {_FIGURES}
        FROM ratings r JOIN tickets t ON t.id = r.ticket_id LEFT JOIN services s ON s.id = t.service_id
        WHERE {w} AND {_IN_RANGE}
        GROUP BY t.service_id, s.name ORDER BY count(r.score) DESC, s.name""", params | range_params(f))


def summary(session: Session, actor: User, f: TicketFilter) -> dict:
    """The period's ratings in one line (the weekly summary): average, ratings, response rate."""
    require_analytics(actor)
    w, params = where(f)
    found = rows(session, f"""
        SELECT {_FIGURES} FROM ratings r JOIN tickets t ON t.id = r.ticket_id
        WHERE {w} AND {_IN_RANGE}""", params | range_params(f))
    return found[0] if found and found[0]["asked"] else {"asked": 0, "rated": 0, "avg_score": None,
                                                          "response_rate": None}
