"""Analytics over tickets and their event history, aggregated in PostgreSQL.

Modules: filters (the URL filter → SQL), kpi (cards with the previous period), flow (created vs
resolved, throughput, cycle and lead time, cumulative flow, aging work), sla, team (per agent,
per lane, arrivals), compare (before/after with bootstrap intervals), forecast (Monte Carlo).
Definitions: docs/analytics.md. Every public function takes (session, actor, filter, ...) and checks
that the actor's role may read analytics (data.permissions.PAGES["analytics"]).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from data import permissions
from data.models import User

PERCENTILES = (0.5, 0.85, 0.95)


def require_analytics(actor: User | None) -> User:
    """Analytics are for admins, managers, analysts and directors — checked here, not only in the UI."""
    return permissions.require_role(actor, permissions.PAGES["analytics"], "errors.action.read_analytics")


def rows(session: Session, sql: str, params: dict) -> list[dict]:
    """Run one aggregate query; results are small (buckets, groups), never raw ticket sets.

    Numeric results come back as float (Plotly and JSON don't take Decimal)."""
    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in r._mapping.items()}
            for r in session.execute(text(sql), params)]


def one(session: Session, sql: str, params: dict) -> dict:
    found = rows(session, sql, params)
    return found[0] if found else {}
