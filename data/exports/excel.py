"""CSV that Russian Excel opens by double-click ("Excel-ru") and the plain CSV scripts read.

Russian Excel reads a CSV with the list separator and number format of the system's regional settings:
`;` between fields, a decimal comma, and dates it recognises as dd.mm.yyyy hh:mm. Plain CSV (the API's,
and the default of a URL without `excel=`) stays `,`, ISO 8601 dates and column keys as headers, so
existing scripts keep working. Both are UTF-8 with a BOM.

The ticket list's CSV is written by PostgreSQL (COPY); `sql_value` formats its cells in SQL. Chart data
passes through Python; `py_value` formats those.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Float, Numeric, Text, cast, func, literal_column

EXCEL_RU = "ru"
PLAIN = "plain"
MODES = (EXCEL_RU, PLAIN)
DELIMITER = {EXCEL_RU: ";", PLAIN: ","}
# PostgreSQL's to_char and Python's strftime for the same text: 09.11.2026 14:05 and 09.11.2026.
SQL_DATETIME, SQL_DATE = "DD.MM.YYYY HH24:MI", "DD.MM.YYYY"
PY_DATETIME, PY_DATE = "%d.%m.%Y %H:%M", "%d.%m.%Y"


def mode(value: str | None, default: str = PLAIN) -> str:
    """`?excel=ru|plain` from a URL; anything else (or nothing) is `default`."""
    return value if value in MODES else default


def default_for(locale: str | None) -> str:
    """What the export form offers first: Excel-ru to a Russian-speaking user, plain CSV otherwise."""
    return EXCEL_RU if (locale or "ru") == "ru" else PLAIN


def sql_value(expr, kind):
    """A column's SQL expression as Excel-ru text: dates as dd.mm.yyyy hh:mm in the session's time zone
    (the company's), fractional numbers with a decimal comma; other values as they are."""
    if isinstance(kind, DateTime):
        return func.to_char(expr, literal_column(f"'{SQL_DATETIME}'"))
    if isinstance(kind, Date):
        return func.to_char(expr, literal_column(f"'{SQL_DATE}'"))
    if isinstance(kind, (Numeric, Float)):
        return func.replace(cast(expr, Text), literal_column("'.'"), literal_column("','"))
    return expr


def py_value(value):
    """The same for a value in Python (chart data)."""
    if isinstance(value, datetime):
        return value.strftime(PY_DATETIME)
    if isinstance(value, date):
        return value.strftime(PY_DATE)
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    return value
