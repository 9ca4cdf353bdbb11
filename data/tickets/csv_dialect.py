"""The two kinds of ticket CSV: for Russian Excel ("ru") and plain ("plain"), and how PostgreSQL writes a
cell for Russian Excel (the ticket export's rows come from COPY and never pass through Python).

Russian Excel opens a CSV as a table with its regional settings: `;` between fields, a decimal comma,
dates it recognises as dd.mm.yyyy hh:mm. Lives here, below data/exports (which reads tickets), so the
ticket query can use it; data/exports/excel.py adds the Python side for chart data.
"""
from __future__ import annotations

from sqlalchemy import Date, DateTime, Float, Numeric, Text, cast, func, literal_column

EXCEL_RU = "ru"
PLAIN = "plain"
MODES = (EXCEL_RU, PLAIN)
DELIMITER = {EXCEL_RU: ";", PLAIN: ","}
SQL_DATETIME, SQL_DATE = "DD.MM.YYYY HH24:MI", "DD.MM.YYYY"  # 09.11.2026 14:05


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
