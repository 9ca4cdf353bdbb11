"""An .xlsx written as it streams: the zip is produced in small pieces that are handed to the
caller as soon as they exist, so a million rows go to the browser without a temporary file and
without the set in memory.

The workbook is the minimal SpreadsheetML that Excel, LibreOffice and openpyxl read: one sheet,
inline strings (no shared-string table to keep), dates as serial numbers with a date format, a bold
header. Faster than a general-purpose writer because each row is one formatted string — for the ticket
list, formatted by PostgreSQL (data/exports/sheet_rows.py), so the rows never become Python objects.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from data.exports.cells import neutralise

MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows including the header
EPOCH = datetime(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0

_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '</Relationships>'),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
        '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '</styleSheet>'),
}


def _workbook(sheet: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{_text(sheet[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>')


def _text(value: str) -> str:
    value = _ILLEGAL.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cell(value, style: str = "") -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - EPOCH).total_seconds() / 86400
        return f'<c s="1"><v>{serial:.10f}</v></c>'
    if isinstance(value, date):
        return f'<c s="2"><v>{(value - EPOCH.date()).days}</v></c>'
    # Text a spreadsheet would run as a formula gets a leading apostrophe (data/exports/cells.py).
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{_text(neutralise(str(value)))}</t></is></c>'


class _Pipe:
    """A write-only, non-seekable file for zipfile: what is written waits here until taken."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def workbook_chunks(header: list[str], body: Iterable[bytes], *, sheet: str = "Okno") -> Iterator[bytes]:
    """The workbook's bytes, in pieces: `body` yields the worksheet's rows as XML (`<row>…</row>` each),
    already encoded; they are compressed into the zip as they come and nothing else is kept."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in _STATIC.items():
            zf.writestr(name, content)
        zf.writestr("xl/workbook.xml", _workbook(sheet))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as ws:
            ws.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                     b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            ws.write(header_row(header))
            for part in body:
                ws.write(part)
                if pipe.parts:
                    yield pipe.take()
            ws.write(b"</sheetData></worksheet>")
    yield pipe.take()


def header_row(header: list[str]) -> bytes:
    return ("<row>" + "".join(_cell(h, ' s="3"') for h in header) + "</row>").encode()


OVERFLOW_ROW = ("<row>" + _cell("… the rest does not fit in one worksheet; export CSV for the whole set")
                + "</row>").encode()


def xlsx_chunks(header: list[str], rows: Iterable[tuple], *, sheet: str = "Okno",
                progress: Callable[[int], None] | None = None, batch: int = 2000) -> Iterator[bytes]:
    """The workbook of Python rows (small results: chart data). `progress(rows_written)` per batch.
    The ticket list's export has its rows written by PostgreSQL instead (data/exports/sheet_rows.py)."""
    def body() -> Iterator[bytes]:
        lines, n = [], 0
        for n, row in enumerate(rows, 1):
            if n > MAX_ROWS:
                lines.append(OVERFLOW_ROW.decode())
                n = MAX_ROWS
                break
            lines.append("<row>" + "".join(map(_cell, row)) + "</row>")
            if len(lines) >= batch:
                yield "".join(lines).encode()
                lines = []
                if progress:
                    progress(n)
        yield "".join(lines).encode()
        if progress:
            progress(n)
    return workbook_chunks(header, body(), sheet=sheet)
