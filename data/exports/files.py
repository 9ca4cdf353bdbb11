"""Writing rows as CSV or XLSX without holding the set in memory.

CSV: UTF-8 with a BOM (Excel then reads Cyrillic), dates in ISO 8601 — or, for Russian Excel,
`;`, decimal commas and dd.mm.yyyy dates (data/exports/excel.py). XLSX: streamed as it is
written (data/exports/xlsx.py), dates as real spreadsheet dates shown as yyyy-mm-dd hh:mm:ss.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Iterable, Iterator

from data.exports import excel as excel_mod
from data.exports.cells import neutralise
from data.exports.xlsx import xlsx_chunks

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
BOM = "\ufeff".encode("utf-8")


def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return neutralise(value)


def csv_chunks(header: list[str], rows: Iterable[tuple], chunk_rows: int = 5000,
               excel: str = excel_mod.PLAIN) -> Iterator[bytes]:
    """CSV bytes in chunks of `chunk_rows` rows (`excel="ru"`: for Russian Excel)."""
    out = io.StringIO()
    for_excel = excel == excel_mod.EXCEL_RU
    cell = (lambda v: excel_mod.py_value(neutralise(v))) if for_excel else _iso
    writer = csv.writer(out, lineterminator="\r\n", delimiter=excel_mod.DELIMITER[excel_mod.mode(excel)])
    writer.writerow([neutralise(h) for h in header])
    yield BOM + out.getvalue().encode("utf-8")
    out.seek(0), out.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if i % chunk_rows == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0), out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def rows_file(fmt: str, header: list[str], rows: Iterable[tuple], sheet: str = "Okno",
              excel: str = excel_mod.PLAIN) -> Iterator[bytes]:
    """A small result (a chart's data) as CSV or XLSX chunks."""
    if fmt == "xlsx":
        return xlsx_chunks(header, rows, sheet=sheet)
    return csv_chunks(header, rows, excel=excel)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?$")


def typed(value):
    """Chart data comes back from the browser as JSON: ISO date text turns into a date again."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value
