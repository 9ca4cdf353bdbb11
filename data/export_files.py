"""Writing rows as CSV or XLSX without holding the set in memory.

CSV: UTF-8 with a BOM (Excel then reads Cyrillic), dates in ISO 8601. XLSX: xlsxwriter in
constant_memory mode (each row is flushed to a temporary file as it is written), dates as
real spreadsheet dates shown as yyyy-mm-dd hh:mm:ss.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import date, datetime
from typing import Callable, Iterable, Iterator

import xlsxwriter

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}
BOM = "\ufeff".encode("utf-8")
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows including the header


def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def csv_chunks(header: list[str], rows: Iterable[tuple], chunk_rows: int = 5000) -> Iterator[bytes]:
    """CSV bytes in chunks of `chunk_rows` rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    yield BOM + out.getvalue().encode("utf-8")
    out.seek(0), out.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([_iso(v) for v in row])
        if i % chunk_rows == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0), out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def write_xlsx(header: list[str], rows: Iterable[tuple], *, sheet: str = "Okno",
               progress: Callable[[int], None] | None = None, every: int = 20000) -> str:
    """Write rows to a temporary .xlsx file and return its path (the caller streams and deletes it)."""
    fd, path = tempfile.mkstemp(prefix="okno-export-", suffix=".xlsx")
    os.close(fd)
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "remove_timezone": True,
                                      "tmpdir": tempfile.gettempdir(), "strings_to_urls": False,
                                      "strings_to_formulas": False})
    try:
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, header, bold)
        n = 0
        for n, row in enumerate(rows, 1):
            if n > XLSX_MAX_ROWS:
                ws.write(n, 0, "… the rest does not fit in one worksheet; export CSV for the whole set")
                break
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    ws.write_datetime(n, c, value.replace(tzinfo=None), when)
                elif isinstance(value, date):
                    ws.write_datetime(n, c, datetime.combine(value, datetime.min.time()), day)
                elif value is not None:
                    ws.write(n, c, value)
            if progress and n % every == 0:
                progress(n)
        if progress:
            progress(min(n, XLSX_MAX_ROWS))
    finally:
        book.close()
    return path


def file_chunks(path: str, chunk: int = 256 * 1024, delete: bool = True) -> Iterator[bytes]:
    """Stream a file and remove it afterwards (also when the client goes away)."""
    try:
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                yield block
    finally:
        if delete:
            os.unlink(path)


def rows_file(fmt: str, header: list[str], rows: Iterable[tuple], sheet: str = "Okno") -> Iterator[bytes]:
    """A small result (a chart's data) as CSV or XLSX chunks."""
    if fmt == "xlsx":
        return file_chunks(write_xlsx(header, rows, sheet=sheet))
    return csv_chunks(header, rows)
