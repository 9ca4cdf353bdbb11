"""CSV that Russian Excel opens by double-click ("Excel-ru") and the plain CSV scripts read.

Russian Excel reads a CSV with the list separator and number format of the system's regional settings:
`;` between fields, a decimal comma, and dates it recognises as dd.mm.yyyy hh:mm. Plain CSV (the API's,
and the default of a URL without `excel=`) stays `,`, ISO 8601 dates and column keys as headers, so
existing scripts keep working. Both are UTF-8 with a BOM.

The ticket list's CSV is written by PostgreSQL (COPY): its cells are formatted in SQL by
data/tickets/csv_dialect.py. Chart data passes through Python; `py_value` formats those.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from data.tickets.csv_dialect import DELIMITER, EXCEL_RU, MODES, PLAIN

__all__ = ["DELIMITER", "EXCEL_RU", "MODES", "PLAIN", "mode", "default_for", "py_value"]
PY_DATETIME, PY_DATE = "%d.%m.%Y %H:%M", "%d.%m.%Y"  # the same text as csv_dialect's SQL formats


def mode(value: str | None, default: str = PLAIN) -> str:
    """`?excel=ru|plain` from a URL; anything else (or nothing) is `default`."""
    return value if value in MODES else default


def default_for(locale: str | None) -> str:
    """What the export form offers first: Excel-ru to a Russian-speaking user, plain CSV otherwise."""
    return EXCEL_RU if (locale or "ru") == "ru" else PLAIN


def py_value(value):
    """A chart data value as Excel-ru text: dates as dd.mm.yyyy (hh:mm), fractions with a decimal comma."""
    if isinstance(value, datetime):
        return value.strftime(PY_DATETIME)
    if isinstance(value, date):
        return value.strftime(PY_DATE)
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    return value
