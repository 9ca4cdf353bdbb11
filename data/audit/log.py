"""Writing audit rows, and the snapshot of a row's columns that becomes before/after."""
from __future__ import annotations

import contextvars
import ipaddress
import logging
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from data.models import AuditEntry, User

log = logging.getLogger("okno.audit")

# The web layer sets the client address once per request, so service functions need not pass it.
client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("okno_audit_address", default=None)

# Column names whose values never go into the log (hashes, secrets, tokens): the fact of a change stays.
_SECRET_PARTS = ("password", "secret", "token", "digest", "hash", "api_key")
MASK = "***"
# Bookkeeping columns that change on every save and say nothing about what the admin changed.
_SKIPPED = ("created_at", "updated_at", "revision", "version")


def _secret(name: str) -> bool:
    return any(part in name.lower() for part in _SECRET_PARTS)


def _plain(value):
    """A column value as JSON: dates as ISO text, anything unknown as its text. PostgreSQL's jsonb holds no
    NUL character: one in a value someone typed (or forged) is kept as U+FFFD, so the row is still written."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {_plain(str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return _plain(str(value))


def snapshot(row) -> dict | None:
    """The row's column values as a JSON dict (secrets masked); None for a row not yet saved."""
    if row is None:
        return None
    state = inspect(row)
    if state.transient or state.pending:
        return None
    out = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIPPED:
            continue
        value = getattr(row, attr.key)
        out[attr.key] = (MASK if value not in (None, "") else value) if _secret(attr.key) else _plain(value)
    return out


def _label(obj) -> str:
    for name in ("name", "title", "email", "code", "name_en", "address"):
        value = getattr(obj, name, None)
        if value:
            return str(value)[:500]
    return ""


def _object(obj) -> tuple[str | None, str | None, str]:
    """(type, id, label) of what was acted on: a model row, a (type, id, label) tuple, or None."""
    if obj is None:
        return None, None, ""
    if isinstance(obj, tuple):
        kind, ident, label = (list(obj) + [None, None, ""])[:3]
        return kind, None if ident is None else str(ident), label or ""
    ident = getattr(obj, "id", None)
    return obj.__tablename__, None if ident is None else str(ident), _label(obj)


def actor_label(actor) -> str:
    if isinstance(actor, User):
        return f"{actor.name} <{actor.email}>"
    return str(actor or "")


def _address(address: str | None) -> str | None:
    address = address or client_address.get()
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def record(session: Session, actor, action: str, obj=None, before: dict | None = None, after: dict | None = None,
           address: str | None = None) -> AuditEntry:
    """One audit row in the caller's transaction. `actor`: a User, or a label (a failed sign-in's email).

    For an update only the changed keys matter when shown; both snapshots are kept whole, so a row
    can be read on its own years later.
    """
    kind, ident, label = _object(obj)
    entry = AuditEntry(actor_id=actor.id if isinstance(actor, User) else None, actor_label=actor_label(actor)[:300],
                       address=_address(address), action=action[:60], object_type=kind, object_id=ident,
                       object_label=label, before=_plain(before), after=_plain(after))
    session.add(entry)
    session.flush()
    return entry


def record_separately(actor, action: str, obj=None, before: dict | None = None, after: dict | None = None,
                      address: str | None = None) -> None:
    """One audit row in a transaction of its own: for what happens outside any committed change (a
    download served from a read-only session, a refusal whose transaction rolls back).

    Never raises: failing to write the log must not turn a download or a refusal into a server error."""
    from data.db import session_scope
    try:
        with session_scope() as s:
            record(s, actor, action, obj, before=before, after=after, address=address)
    except Exception:  # noqa: BLE001 — logged instead
        log.exception("could not write an audit row for %s", action)


def record_refusal(actor, message: str, where: str = "", address: str | None = None) -> None:
    """A permission refusal (`message`: what the user was told, in English), written separately."""
    record_separately(actor, "permission.refused", ("request", None, where[:500]), after={"message": message},
                      address=address)

def saved(session: Session, actor, kind: str, row, before: dict | None) -> AuditEntry | None:
    """After a create or update: `<kind>.create` / `<kind>.update` with before → after; nothing when nothing changed."""
    after = snapshot(row)
    if before == after:
        return None
    return record(session, actor, f"{kind}.{'create' if before is None else 'update'}", row, before=before, after=after)


def delete(session: Session, actor, kind: str, model, row_id: int) -> bool:
    """Delete one row if it still exists (deleting twice is not an error) and record `<kind>.delete` with
    the row as it was; True when it was there."""
    row = session.get(model, row_id)
    if row is None:
        return False
    before = snapshot(row)
    session.delete(row)
    session.flush()
    deleted(session, actor, kind, row, before)
    return True


def deleted(session: Session, actor, kind: str, row, before: dict | None) -> AuditEntry:
    """After a delete: `<kind>.delete` with the row as it was."""
    return record(session, actor, f"{kind}.delete", row, before=before)
