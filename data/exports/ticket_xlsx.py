"""The ticket list as an .xlsx, its rows written by PostgreSQL (data/exports/sheet_rows.py) and zipped as they
come (data/exports/xlsx.py): the export job's XLSX, as data/tickets/query.py export_csv is its CSV."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy.orm import Session

from data import permissions
from data.exports import sheet_rows, xlsx
from data.models import User
from data.tickets import query as ticket_query


def export_xlsx(session: Session, actor: User, f: ticket_query.TicketFilter, columns: list[str] | None = None,
                sort: list[dict] | None = None, progress=None, locale: str | None = None,
                sheet: str = "Tickets") -> Iterator[bytes]:
    """Stream the whole filtered set as an .xlsx: PostgreSQL writes each row's XML (numbers as numbers,
    dates as dates in the company's time zone, text escaped; data/exports/sheet_rows.py) and COPYs it
    out; Python only compresses the bytes into the zip. At most one worksheet of rows."""
    permissions.require_reader(actor)
    columns = ticket_query.export_columns(columns)
    stmt = ticket_query.export_select(f, columns, sort, iso_text=False, me=actor.id,
                                      scope=permissions.ticket_scope(session, actor), locale=locale)
    stmt = stmt.with_only_columns(sheet_rows.row(list(stmt.selected_columns)))
    ticket_query.use_company_timezone(session)
    body = sheet_rows.copy_rows(session, stmt, progress=progress, limit=xlsx.MAX_ROWS, overflow=xlsx.OVERFLOW_ROW)
    return xlsx.workbook_chunks(columns, body, sheet=sheet)
