"""Spreadsheet formula injection (OWASP "CSV injection"): text that Excel or LibreOffice would run.

A ticket title is written by a requester; in an export an analyst opens, `=HYPERLINK(...)` or
`@SUM(...)` in a text cell becomes a live formula. Every text cell that starts with one of the
characters below gets a leading apostrophe, which spreadsheets show as plain text. Only text is
touched: numbers (negative ones included) and dates stay what they are. The COPY export does the
same in SQL (data/tickets/query.py `neutralised`), since its rows never pass through Python.
"""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` with a leading `'` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
