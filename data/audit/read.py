"""Reading the audit log: filters, pages, the changed keys of a row, CSV of the filtered set. Admins only."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from typing import Iterator

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from data import permissions
from data.config import company_tz
from data.i18n import N_
from data.audit.log import record_separately
from data.models import AuditEntry, User

PAGE_SIZE = 50
CSV_COLUMNS = ("at", "actor", "address", "action", "object_type", "object_id", "object", "before", "after")


def _admin(actor: User | None) -> None:
    permissions.require_admin(actor, N_("errors.action.read_audit"))


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _filtered(stmt, filters: dict):
    """filters: date_from / date_to (days, company time, inclusive), actor (user id), action, object_type, text."""
    tz = company_tz()
    start, end = _day(filters.get("date_from")), _day(filters.get("date_to"))
    if start:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(start, time(), tz))
    if end:
        stmt = stmt.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time(), tz))
    if str(filters.get("actor") or "").isdigit():
        stmt = stmt.where(AuditEntry.actor_id == int(filters["actor"]))
    if filters.get("action"):
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if filters.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    text = (filters.get("text") or "").strip()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(AuditEntry.actor_label.ilike(like), AuditEntry.object_label.ilike(like),
                              AuditEntry.object_id == text, cast(AuditEntry.address, String).like(like),
                              cast(AuditEntry.before, String).ilike(like), cast(AuditEntry.after, String).ilike(like)))
    return stmt


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(key, before, after) for the keys that differ; everything for a creation or a deletion."""
    before, after = entry.before or {}, entry.after or {}
    return [(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]


def _row(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at, "actor_id": entry.actor_id, "actor": entry.actor_label,
            "address": str(entry.address) if entry.address else "", "action": entry.action,
            "object_type": entry.object_type or "", "object_id": entry.object_id or "",
            "object": entry.object_label, "changes": changes(entry)}


def query(session: Session, actor: User | None, filters: dict | None = None, page: int = 1) -> dict:
    """One page of the filtered log, newest first: {"rows", "total", "page", "pages",
    "actors", "actions", "object_types"} (the last three: choices for the filters)."""
    _admin(actor)
    filters = filters or {}
    total = session.scalar(_filtered(select(func.count()).select_from(AuditEntry), filters)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, int(page or 1)), pages)
    entries = session.scalars(_filtered(select(AuditEntry), filters).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return {"rows": [_row(e) for e in entries], "total": total, "page": page, "pages": pages,
            "actors": [{"value": i, "label": label} for i, label in session.execute(
                select(AuditEntry.actor_id, func.max(AuditEntry.actor_label)).where(AuditEntry.actor_id.is_not(None))
                .group_by(AuditEntry.actor_id).order_by(func.max(AuditEntry.actor_label)))],
            "actions": session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all(),
            "object_types": session.scalars(select(AuditEntry.object_type).where(AuditEntry.object_type.is_not(None))
                                            .distinct().order_by(AuditEntry.object_type)).all()}


def _cell(value) -> str:
    """Text a spreadsheet will not run: a leading = + - @ (or tab/CR) is a formula, so it gets a quote."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str) if value else ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(session: Session, actor: User | None, filters: dict | None = None) -> Iterator[str]:
    """The whole filtered set as CSV text chunks (newest first), for the same admins who may read it."""
    _admin(actor)
    record_separately(actor, "export.audit_csv", None, after={"filter": {k: str(v) for k, v in (filters or {}).items()}})
    stmt = _filtered(select(AuditEntry), filters or {}).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i, e in enumerate(session.scalars(stmt.execution_options(yield_per=1000)), 1):
        writer.writerow([e.at.isoformat(), _cell(e.actor_label), str(e.address or ""), e.action, e.object_type or "",
                         e.object_id or "", _cell(e.object_label), _cell(e.before), _cell(e.after)])
        if i % 1000 == 0:
            yield out.getvalue()
            out.seek(0), out.truncate()
    yield out.getvalue()
