"""Retention: rows older than OKNO_AUDIT_RETENTION_DAYS are removed, the one DELETE the table allows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from data.config import get_config
from data.models import AuditEntry


def prune(session: Session, older_than: datetime) -> int:
    """Delete rows written before `older_than`; returns how many. In the caller's transaction.

    The table's trigger refuses every DELETE unless `okno.audit_prune` is 'on' in this transaction;
    it is switched on for this statement only.
    """
    session.execute(text("SELECT set_config('okno.audit_prune', 'on', true)"))
    result = session.execute(delete(AuditEntry).where(AuditEntry.at < older_than))
    session.execute(text("SELECT set_config('okno.audit_prune', 'off', true)"))
    return result.rowcount or 0


def prune_expired(session: Session, now: datetime | None = None) -> int:
    """The scheduled prune: everything older than the retention setting (0 or less keeps everything)."""
    days = get_config().audit_retention_days
    if days <= 0:
        return 0
    return prune(session, (now or datetime.now(timezone.utc)) - timedelta(days=days))
