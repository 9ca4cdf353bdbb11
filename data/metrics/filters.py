"""The analytics filter: the ticket filter (data/tickets/filters.py) plus a period, in the URL.

Every metric query takes a `TicketFilter` and gets its WHERE fragment from `where()` so that all
charts on a page — and the ticket list a chart links to — count the same tickets. Dates are local
calendar days in the company's time zone (data.config timezone); the period is inclusive of both ends.
"""
from __future__ import annotations

from data.config import get_config
from data.tickets.filters import TicketFilter, parse as parse_tickets, today, tz, where

__all__ = ["TicketFilter", "parse", "where", "range_params", "today", "tz", "DEFAULT_DAYS", "MAX_DAYS"]

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


def parse(query: dict | None, *, default_days: int = DEFAULT_DAYS) -> tuple[TicketFilter, list[str]]:
    """A filter with its period from URL parameters; bad values are dropped and reported, never raised."""
    return parse_tickets(query, period_days=default_days, max_days=MAX_DAYS)


def range_params(f: TicketFilter) -> dict:
    """Bind parameters every metric query shares: the period and the time zone."""
    return {"start": f.start, "end": f.end, "tz": get_config().timezone,
            "d_from": f.date_from, "d_to": f.date_to}
