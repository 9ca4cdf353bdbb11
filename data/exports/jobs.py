"""Exports for analysts: ticket-list export jobs with progress, saved exports, chart data.

A job row is created first (who, what filter, which columns, how many rows); the download
then streams in whichever web worker serves it and records progress on the row, so any
worker can answer the page's progress poll — nothing lives in process memory.
"""
from __future__ import annotations

import importlib
import logging
import time
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data import audit
from data import permissions
from data.tickets import query as ticket_query
from data.db import read_session, replica_session, session_scope
from data.errors import NotFound, PermissionDenied, Text, ValidationError
from data.exports.files import csv_chunks, rows_file
from data.exports import ticket_xlsx
from data.models import ExportJob, SavedExport, Ticket, User
from data.models.reports import EXPORT_FORMATS

log = logging.getLogger(__name__)
CHART_ROLES = permissions.PAGES["analytics"]
# Modules that register chart data sources with @chart (imported on first use, in every process).
CHART_MODULES: tuple[str, ...] = ("data.weekly.charts",)
ChartSource = Callable[[Session, User, dict], tuple[list[str], Iterable[tuple]]]
_charts: dict[str, ChartSource] = {}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_format(fmt: str) -> str:
    if fmt not in EXPORT_FORMATS:
        raise ValidationError("errors.export_format", {"format": Text("errors.field.export_format")}, format=fmt)
    return fmt


# ---- ticket-list export jobs ----

def start(session: Session, actor: User, *, query: dict, columns: list[str] | None = None, fmt: str = "csv",
          source: str = "tickets") -> ExportJob:
    """Record an export of the filtered ticket list and count its rows (for the progress bar)."""
    ticket_query.require_export(actor)
    _check_format(fmt)
    f, _problems = ticket_query.parse_filter(query or {})
    where = ticket_query.matching(f, actor.id, permissions.ticket_scope(session, actor))
    total = session.scalar(select(func.count()).select_from(Ticket).where(where))
    job = ExportJob(user_id=actor.id, source=source, format=fmt, filter=f.to_query(),
                    columns=ticket_query.export_columns(columns), rows_total=total)
    session.add(job)
    session.flush()
    audit.record(session, actor, "export.start", job, after={"source": source, "format": fmt, "filter": job.filter,
                                                             "columns": job.columns, "rows": total})
    return job


def _own_job(session: Session, actor: User, job_id: int) -> ExportJob:
    job = session.get(ExportJob, job_id)
    if job is None:
        raise NotFound("errors.no_such_export")
    if job.user_id != actor.id:
        raise PermissionDenied("errors.export_not_yours")
    return job


def status(session: Session, actor: User, job_id: int) -> dict:
    job = _own_job(session, actor, job_id)
    total = job.rows_total or 0
    percent = 100 if job.state == "done" else (min(99, int(job.rows_done * 100 / total)) if total else 0)
    return {"id": job.id, "state": job.state, "rows_done": job.rows_done, "rows_total": job.rows_total,
            "percent": percent, "format": job.format, "error": job.error}


def filename(job: ExportJob) -> str:
    return f"okno-{job.source.replace(':', '-')}-{job.created_at:%Y%m%d-%H%M}.{job.format}"


def _set(job_id: int, **values) -> None:
    with session_scope() as s:
        s.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


def _progress_writer(job_id: int, min_interval: float = 0.5) -> Callable[[int], None]:
    """Progress commits in its own short transaction, at most twice a second."""
    last = [0.0]

    def write(rows: int) -> None:
        if time.monotonic() - last[0] >= min_interval:
            last[0] = time.monotonic()
            _set(job_id, rows_done=rows)
    return write


def open_job(actor: User, job_id: int) -> ExportJob:
    """Check before streaming starts (so a refusal is a clean 403/404, not a cut-off file)."""
    ticket_query.require_export(actor)
    with read_session() as s:
        job = _own_job(s, actor, job_id)
        s.expunge(job)
    audit.record_separately(actor, "export.download", job, after={"format": job.format, "filter": job.filter})
    return job


def stream(actor: User, job: ExportJob, locale: str | None = None, excel: str = "plain") -> Iterator[bytes]:
    """The job's file, streamed. Each download runs the export again (the data may have changed).
    Statuses, channels and priorities are written in `locale` (the downloader's language); a CSV with
    `excel="ru"` is the one Russian Excel opens as a table (data/exports/excel.py)."""
    _set(job.id, state="running", rows_done=0, started_at=_now(), error=None)
    progress = _progress_writer(job.id)
    f, _problems = ticket_query.parse_filter(job.filter)
    rows = 0

    def counted(n: int) -> None:
        nonlocal rows
        rows = n
        progress(n)
    try:
        with replica_session() as s:  # the read replica when there is one: a long read off the primary
            if job.format == "csv":
                yield from ticket_query.export_csv(s, actor, f, job.columns, progress=counted, locale=locale,
                                                   excel=excel)
            else:
                yield from ticket_xlsx.export_xlsx(s, actor, f, job.columns, progress=counted, locale=locale)
        _set(job.id, state="done", rows_done=rows, finished_at=_now())
    except GeneratorExit:  # the browser went away mid-download
        _set(job.id, state="failed", error="cancelled", finished_at=_now())
        raise
    except Exception as err:  # noqa: BLE001 — recorded on the job and logged, never a worker crash
        log.exception("export job %s failed", job.id)
        _set(job.id, state="failed", error=str(err)[:500], finished_at=_now())


def recent(session: Session, actor: User, limit: int = 5) -> list[ExportJob]:
    return list(session.scalars(select(ExportJob).where(ExportJob.user_id == actor.id)
                                .order_by(ExportJob.id.desc()).limit(limit)))


# ---- saved exports ----

def save(session: Session, actor: User, *, name: str, query: dict, columns: list[str] | None,
         fmt: str = "csv") -> SavedExport:
    """Save (or overwrite, by name) a filter + columns + format for this user."""
    ticket_query.require_export(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("errors.export_name", {"name": Text("errors.field.required")})
    if len(name) > 120:
        raise ValidationError("errors.name_too_long", {"name": Text("errors.field.too_long")}, limit=120)
    f, _problems = ticket_query.parse_filter(query or {})
    values = {"filter": f.to_query(), "columns": ticket_query.export_columns(columns), "format": _check_format(fmt)}
    # An upsert on the unique (user, name): a double-clicked save overwrites instead of failing.
    row_id = session.scalar(pg_insert(SavedExport).values(user_id=actor.id, name=name, **values)
                            .on_conflict_do_update(index_elements=["user_id", "name"], set_=values)
                            .returning(SavedExport.id))
    return session.scalar(select(SavedExport).where(SavedExport.id == row_id).execution_options(populate_existing=True))


def saved(session: Session, actor: User) -> list[SavedExport]:
    return list(session.scalars(select(SavedExport).where(SavedExport.user_id == actor.id)
                                .order_by(SavedExport.name)))


def _own_saved(session: Session, actor: User, saved_id: int) -> SavedExport:
    row = session.get(SavedExport, saved_id)
    if row is None or row.user_id != actor.id:
        raise NotFound("errors.no_such_saved_export")
    return row


def run_saved(session: Session, actor: User, saved_id: int) -> ExportJob:
    row = _own_saved(session, actor, saved_id)
    return start(session, actor, query=row.filter, columns=row.columns, fmt=row.format)


def delete_saved(session: Session, actor: User, saved_id: int) -> None:
    session.delete(_own_saved(session, actor, saved_id))
    session.flush()


# ---- chart data ----

def chart(name: str):
    """Register a chart's data: fn(session, actor, params) -> (header, rows). Small, aggregated results."""
    def register(fn: ChartSource) -> ChartSource:
        _charts[name] = fn
        return fn
    return register


def charts() -> list[str]:
    for module in CHART_MODULES:
        importlib.import_module(module)
    return sorted(_charts)


def chart_file(session: Session, actor: User, name: str, params: dict, fmt: str,
               excel: str = "plain") -> Iterator[bytes]:
    permissions.require_role(actor, CHART_ROLES, "errors.action.export_analytics")
    _check_format(fmt)
    if name not in charts():
        raise NotFound("errors.no_such_chart", name=name)
    header, rows = _charts[name](session, actor, params)
    audit.record_separately(actor, "export.chart", ("charts", None, name), after={"format": fmt, "params": params})
    return rows_file(fmt, header, list(rows), sheet=name, excel=excel)


__all__ = ["start", "status", "stream", "open_job", "recent", "save", "saved", "run_saved", "delete_saved",
           "chart", "charts", "chart_file", "csv_chunks", "filename"]
