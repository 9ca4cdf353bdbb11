"""The analytics filter: the ticket filter (data/tickets/filters.py) plus a period, in the URL, limited to
what the viewer may see.

Every metric query takes a `TicketFilter` and gets its WHERE fragment from `where()` so that all
charts on a page — and the ticket list a chart links to — count the same tickets. Dates are local
calendar days in the company's time zone (data.config timezone); the period is inclusive of both ends.

Team boundaries: `scoped(session, actor, f)` gives the filter the actor's reach (data.permissions.reach:
a manager's own teams' boards, the shared boards, and tickets handed to their teams; admins, analysts and
directors everything), and `where()` applies it, on the tickets table and on the daily rollup alike (both
carry board_id and team_id). Pages and the metrics API scope every filter before calling data/metrics.
The reach never comes from a URL: `parse` does not read it and `to_query` does not write it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from data import permissions
from data.config import get_config
from data.models import User
from data.tickets.filters import TicketFilter, parse as parse_tickets, today, tz, where as ticket_where

__all__ = ["TicketFilter", "ScopedFilter", "parse", "scoped", "where", "range_params", "today", "tz",
           "DEFAULT_DAYS", "MAX_DAYS"]

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


@dataclass
class ScopedFilter(TicketFilter):
    """A filter limited to a viewer's reach: (board ids, team ids), or None for every ticket."""
    reach: tuple[tuple[int, ...], tuple[int, ...]] | None = None


def parse(query: dict | None, *, default_days: int = DEFAULT_DAYS) -> tuple[TicketFilter, list[str]]:
    """A filter with its period from URL parameters; bad values are dropped and reported, never raised."""
    return parse_tickets(query, period_days=default_days, max_days=MAX_DAYS)


def scoped(session: Session, actor: User, f: TicketFilter) -> ScopedFilter:
    """`f` limited to what `actor` may see (the same rule as the ticket list)."""
    found = permissions.reach(session, actor)
    reach = None if found is None else (tuple(found[0]), tuple(found[1]))
    return ScopedFilter(**{k: getattr(f, k) for k in TicketFilter.__dataclass_fields__}, reach=reach)


def where(f: TicketFilter, alias: str = "t", *, me: int | None = None) -> tuple[str, dict]:
    """The ticket filter's conditions (data.tickets.filters.where) and the viewer's reach, for `alias`:
    the tickets table or a rollup table."""
    sql, params = ticket_where(f, alias, me=me)
    reach = getattr(f, "reach", None)
    if reach is not None:
        boards, teams = reach
        sql += f" AND ({alias}.board_id = ANY(:f_reach_boards) OR {alias}.team_id = ANY(:f_reach_teams))"
        params |= {"f_reach_boards": list(boards), "f_reach_teams": list(teams)}
    return sql, params


def range_params(f: TicketFilter) -> dict:
    """Bind parameters every metric query shares: the period and the time zone."""
    return {"start": f.start, "end": f.end, "tz": get_config().timezone,
            "d_from": f.date_from, "d_to": f.date_to}
