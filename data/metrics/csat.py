"""Satisfaction figures: average score, ratings, response rate (rated ÷ resolutions asked about), per agent
and per service, for the resolutions in the period. An agent is credited with the resolutions they held
when the ticket was resolved (ratings.agent_id), not with whoever holds the ticket now."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import require_analytics, rollup, rollup_csat, rows
from data.metrics.filters import TicketFilter, range_params, where

_FIGURES = """count(*) AS asked, count(r.score) AS rated, avg(r.score) AS avg_score,
              100.0 * count(r.score) / nullif(count(*), 0) AS response_rate"""
_IN_RANGE = "r.resolved_at >= :start AND r.resolved_at < :end"
# The same from the rollup's daily counts (data/metrics/rollup_csat.py): avg() of integers is their sum ÷ their
# count as numeric, so these are the same numbers.
_SUMS = """sum(r.asked) AS asked, sum(r.rated) AS rated,
           sum(r.score_sum)::numeric / nullif(sum(r.rated), 0)::numeric AS avg_score,
           100.0 * sum(r.rated) / nullif(sum(r.asked), 0) AS response_rate"""
_DAYS = "r.day >= :d_from AND r.day <= :d_to"


def by_agent(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    require_analytics(actor)
    if rollup.usable(session, f):
        w, params = where(f, alias="r")
        return rows(session, f"""
            SELECT r.agent_id, u.name, {_SUMS}
            FROM {rollup_csat.table(f)} r JOIN users u ON u.id = r.agent_id WHERE {w} AND {_DAYS}
            GROUP BY r.agent_id, u.name ORDER BY sum(r.rated) DESC, u.name""", params | range_params(f))
    w, params = where(f)
    return rows(session, f"""
        SELECT r.agent_id, u.name, {_FIGURES}
        FROM ratings r JOIN tickets t ON t.id = r.ticket_id JOIN users u ON u.id = r.agent_id
        WHERE {w} AND {_IN_RANGE}
        GROUP BY r.agent_id, u.name ORDER BY count(r.score) DESC, u.name""", params | range_params(f))


def by_service(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    require_analytics(actor)
    if rollup.usable(session, f):
        w, params = where(f, alias="r")
        return rows(session, f"""
            SELECT r.service_id, coalesce(s.name, '—') AS name, {_SUMS}
            FROM {rollup_csat.table(f)} r LEFT JOIN services s ON s.id = r.service_id WHERE {w} AND {_DAYS}
            GROUP BY r.service_id, s.name ORDER BY sum(r.rated) DESC, s.name""", params | range_params(f))
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
