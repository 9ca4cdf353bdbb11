"""Finding tickets: filters from the URL, server-side paging and sorting, streaming CSV export.

Built for a million tickets: counts are exact up to COUNT_CAP and the planner's estimate beyond it,
sorting only on indexed columns (or stored sort keys), the export streams through COPY without
holding the set in memory.
"""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import String, and_, case, func, literal, select, text
from sqlalchemy.orm import Session, aliased

from data import permissions
from data.config import get_config
from data.db import chunked, copy_out
from data.tickets import csv_dialect
from data.i18n import N_, translate
from data.models import BoardColumn, Priority, Requester, RequestType, Service, Team, Ticket, User
from data.models.boards import COLUMN_KINDS
from data.models.tickets import CHANNELS
from data.tickets.filters import TicketFilter, parse as parse_filter, where

__all__ = ["TicketFilter", "parse_filter", "matching", "count", "page", "export_columns", "export_select",
           "export_csv", "export_header", "use_company_timezone", "require_export", "LIST_COLUMNS", "EXPORT_COLUMNS",
           "COLUMN_HEADERS"]

COUNT_CAP = 100_000
# Planner cost units: an index-only count of 100,000 tickets is about 2,500, a trigram search in them 14,000,
# reading a 100,000-ticket table 15,500; at a million tickets a table scan is ten times that.
COUNT_COST_CAP = 20_000
Assignee = aliased(User)


def matching(f: TicketFilter, me: int | None = None, scope=None):
    """The filter as a WHERE clause on the (unaliased) tickets table of the list's queries, within the
    viewer's read scope (permissions.ticket_scope) when given."""
    sql, params = where(f, alias="tickets", me=me)
    clause = text(sql).bindparams(**params)
    return clause if scope is None else and_(scope, clause)


# Grid column id → SQL expression (the only sortable columns; anything else is ignored).
LIST_COLUMNS = {
    "number": Ticket.number, "title": Ticket.title, "service": Service.name, "type": RequestType.name,
    "status": Ticket.status, "column": BoardColumn.name, "assignee": Assignee.name, "priority": Priority.rank,
    "priority_name": Priority.name_ru, "priority_name_en": Priority.name_en, "channel": Ticket.channel, "requester": Requester.name,
    "created_at": Ticket.created_at, "resolved_at": Ticket.resolved_at, "first_response_at": Ticket.first_response_at,
    "team": Team.name, "id": Ticket.id, "sla_due_at": Ticket.sla_due_at,
    # The form's answers: the list labels them by the request type's schema (data/intake/answers.py).
    "fields": Ticket.fields, "request_type_id": Ticket.request_type_id,
    "tags": Ticket.tags,  # shown as chips; not an export column (an array reads badly in a spreadsheet)
}
# Column id → the header people read (the list's own headers): Excel-ru files and the column picker.
COLUMN_HEADERS = {
    "number": N_("tickets.number"), "title": N_("tickets.subject"), "service": N_("tickets.service"),
    "type": N_("tickets.type"), "status": N_("tickets.status"), "column": N_("tickets.column"),
    "priority_name": N_("tickets.priority"), "priority_name_en": N_("tickets.priority"),
    "priority": N_("tickets.priority"), "assignee": N_("tickets.assignee"), "requester": N_("tickets.requester"),
    "channel": N_("tickets.channel"), "team": N_("tickets.team"), "created_at": N_("tickets.created"),
    "first_response_at": N_("tickets.first_response"), "resolved_at": N_("tickets.resolved"),
    "sla_due_at": N_("tickets.due"), "fields": N_("tickets.form_fields"),
}
EXPORT_COLUMNS = ["number", "title", "service", "type", "status", "column", "priority_name", "assignee",
                  "requester", "channel", "team", "created_at", "first_response_at", "resolved_at"]


def _select(columns: list[str]):
    stmt = select(*[LIST_COLUMNS[c].label(c) for c in columns]).select_from(Ticket)
    return (stmt.outerjoin(Service, Service.id == Ticket.service_id)
            .outerjoin(RequestType, RequestType.id == Ticket.request_type_id)
            .outerjoin(BoardColumn, BoardColumn.id == Ticket.column_id)
            .outerjoin(Assignee, Assignee.id == Ticket.assignee_id)
            .outerjoin(Priority, Priority.id == Ticket.priority_id)
            .outerjoin(Requester, Requester.id == Ticket.requester_id)
            .outerjoin(Team, Team.id == Ticket.team_id))


# Sorting a million rows is only fast along an index; other columns sort when a filter is selective.
NOT_NULL_SORTS = {"number", "title", "created_at", "status", "channel", "id"}
# Joined columns sort on the ticket's stored copy (migration scale_0001), indexed as (key ASC NULLS LAST,
# id DESC): ascending walks it forwards, descending backwards (key DESC NULLS FIRST, id ASC: tickets
# without a priority / assignee / service come first), so neither direction sorts the whole set.
SORT_KEYS = {"priority": Ticket.priority_rank, "assignee": Ticket.assignee_sort, "service": Ticket.service_sort,
             "sla_due_at": Ticket.sla_due_at}  # the SLA due time: index a11y_0001


def _order(sort: list[dict] | None):
    order = []
    for item in sort or []:
        key = item.get("colId", "")
        column = LIST_COLUMNS.get(key)
        if column is None:
            continue
        descending = item.get("sort") == "desc"
        if key in SORT_KEYS:
            column = SORT_KEYS[key]
            tie = Ticket.id.asc() if descending else Ticket.id.desc()
            return order + [column.desc().nulls_first() if descending else column.asc().nulls_last(), tie]
        if key in NOT_NULL_SORTS:  # plain order, so PostgreSQL can walk the index instead of sorting
            order.append(column.desc() if descending else column.asc())
        else:
            order.append(column.desc().nulls_last() if descending else column.asc().nulls_last())
    if not order:
        order.append(Ticket.created_at.desc())
    return order + [Ticket.id.desc()]


def count(session: Session, actor: User, f: TicketFilter) -> tuple[int, bool]:
    """(count, exact). Exact when counting is cheap; otherwise the planner's estimate — an exact count
    of a broad filter over a million tickets costs a scan, and "about 487 000" serves the user.

    Cheap means at most COUNT_CAP rows by the estimate and a planned cost of at most COUNT_COST_CAP
    (an index-only count of a few hundred thousand rows; not a scan of the table). Both come from
    EXPLAIN (statistics, no rows read; after a load or an autovacuum the estimates are within a few
    per cent). The count that runs is the plain count(*) that was planned: no LIMIT, which would make
    the planner pick "the first rows of some index order" instead of the trigram or index-only scan.
    """
    permissions.require_reader(actor)
    where = matching(f, actor.id, permissions.ticket_scope(session, actor))
    estimate = int(_plan(session, select(Ticket.id).where(where))["Plan Rows"])
    counting = select(func.count()).select_from(Ticket).where(where)
    with _text_search_by_trigrams(session, bool(f.q)):
        if estimate > COUNT_CAP or _plan(session, counting)["Total Cost"] > COUNT_COST_CAP:
            return estimate, False
        return session.scalar(counting), True


@contextmanager
def _text_search_by_trigrams(session: Session, searching: bool):
    """A text search counts through the trigram index. Left alone, the planner prefers an index-only
    scan of the whole title btree (lower() and LIKE on every title are costed as almost free): 490 ms
    against 80 ms for the trigram bitmap at 100,000 tickets. No other count loses its index-only scan."""
    if not searching:
        yield
        return
    session.execute(text("SET LOCAL enable_indexonlyscan = off"))
    try:
        yield
    finally:
        session.execute(text("RESET enable_indexonlyscan"))


def _plan(session: Session, stmt) -> dict:
    """The planner's top plan node for a query: its row estimate and cost (reads statistics, not rows)."""
    compiled = stmt.compile(dialect=session.bind.dialect, compile_kwargs={"render_postcompile": True})
    return session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string,
                                                compiled.params).scalar()[0]["Plan"]


def page(session: Session, actor: User, f: TicketFilter, *, offset: int = 0, limit: int = 100,
         sort: list[dict] | None = None) -> list[dict]:
    """One page of the list, as dicts keyed by grid column id."""
    permissions.require_reader(actor)
    columns = EXPORT_COLUMNS + ["priority", "priority_name_en", "id", "fields", "request_type_id", "sla_due_at", "tags"]
    where = matching(f, actor.id, permissions.ticket_scope(session, actor))
    stmt = _select(columns).where(where).order_by(*_order(sort))
    stmt = stmt.offset(max(0, offset)).limit(max(1, min(limit, 1000)))
    return [dict(r._mapping) for r in session.execute(stmt)]


def export_columns(columns: list[str] | None) -> list[str]:
    """The requested export columns that exist, in the requested order; all of them when none are valid."""
    return [c for c in (columns or EXPORT_COLUMNS) if c in LIST_COLUMNS] or list(EXPORT_COLUMNS)


def neutralised(expr):
    """A text column with a leading `'` where a spreadsheet would read a formula (OWASP CSV injection;
    the same rule as data/exports/cells.py, here in SQL because COPY rows never pass through Python)."""
    return case((expr.op("~")(literal("^[-=+@\t\r]")), literal("'") + expr), else_=expr)


# Coded columns an export shows in the reader's language: message id prefix, the codes.
TRANSLATED = {"status": ("status", COLUMN_KINDS), "channel": ("channel", CHANNELS)}


def _translated(column: str, locale: str | None):
    """The column's expression, with codes replaced by their text in `locale` (in SQL, so COPY rows
    never pass through Python) and the priority's name in that language."""
    expr = LIST_COLUMNS[column]
    if locale is None:
        return expr
    if column in TRANSLATED:
        prefix, codes = TRANSLATED[column]
        return case({code: literal(translate(f"{prefix}.{code}", locale)) for code in codes}, value=expr, else_=expr)
    if column == "priority_name" and locale == "en":
        return func.coalesce(Priority.name_en, Priority.name_ru)
    return expr


def export_select(f: TicketFilter, columns: list[str], sort: list[dict] | None = None, *, iso_text: bool = True,
                  me: int | None = None, scope=None, locale: str | None = None, excel: bool = False):
    """The export query: chosen columns, filter, order. With iso_text, timestamps become ISO 8601 text
    in the session's time zone (set to the company's by the caller); with `excel`, the text Russian Excel
    reads as dates and numbers instead (data/tickets/csv_dialect.py). `scope`: the viewer's read scope
    (permissions.ticket_scope), so an export never holds more than the viewer's list. With a locale,
    statuses, channels and priorities are written in that language (otherwise as codes)."""
    exprs = []
    for c in columns:
        expr = _translated(c, locale)
        if excel and not isinstance(LIST_COLUMNS[c].type, String):
            expr = csv_dialect.sql_value(expr, LIST_COLUMNS[c].type)
        elif iso_text and c.endswith("_at"):
            expr = func.to_char(expr, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')
        elif c not in TRANSLATED and isinstance(LIST_COLUMNS[c].type, String):
            expr = neutralised(expr)
        exprs.append(expr.label(c))
    return _select(["id"]).with_only_columns(*exprs).where(matching(f, me, scope)).order_by(*_order(sort))


def use_company_timezone(session: Session) -> None:
    """Dates in exports are the company's local time with its offset (for this transaction only)."""
    session.execute(select(func.set_config("TimeZone", get_config().timezone, True)))


def export_header(columns: list[str], locale: str | None) -> list[str]:
    """The headers people read, in `locale` (a column without one keeps its id)."""
    return [translate(COLUMN_HEADERS[c], locale) if c in COLUMN_HEADERS else c for c in columns]


def _csv_line(values: list[str], delimiter: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(values)
    return out.getvalue().encode("utf-8")


def export_csv(session: Session, actor: User, f: TicketFilter, columns: list[str] | None = None,
               sort: list[dict] | None = None, progress=None, chunk_bytes: int = 256 * 1024,
               locale: str | None = None, excel: str = csv_dialect.PLAIN) -> Iterator[bytes]:
    """Stream the whole filtered set as CSV (UTF-8 with BOM so Excel reads Cyrillic), via COPY.

    Rows are gathered into chunks of about `chunk_bytes`; `progress(rows_so_far)` is called per chunk.
    With a locale, coded values are written in that language (export_select). `excel="ru"`: the CSV
    Russian Excel opens as a table (data/tickets/csv_dialect.py) — `;`, decimal comma, dd.mm.yyyy hh:mm dates,
    headers in `locale`; plain: `,`, ISO 8601 and column ids as headers.
    """
    permissions.require_reader(actor)
    columns = export_columns(columns)
    for_excel = excel == csv_dialect.EXCEL_RU
    stmt = export_select(f, columns, sort, me=actor.id, scope=permissions.ticket_scope(session, actor),
                         locale=locale, excel=for_excel)
    compiled = stmt.compile(dialect=session.bind.dialect, compile_kwargs={"render_postcompile": True})
    delimiter = csv_dialect.DELIMITER[csv_dialect.EXCEL_RU if for_excel else csv_dialect.PLAIN]
    # The header is ours (translated names); the rows come straight from COPY.
    sql = f"COPY ({compiled.string}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    header = export_header(columns, locale) if for_excel else columns
    yield "\ufeff".encode("utf-8") + _csv_line(header, delimiter)
    use_company_timezone(session)
    yield from chunked(copy_out(session, sql, compiled.params), chunk_bytes, progress)


def require_export(actor: User) -> None:
    """Checked before streaming starts, so a refusal is a clean 403 rather than a cut-off file."""
    permissions.require_reader(actor)
