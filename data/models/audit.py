"""The audit log: one append-only row per admin change, sign-in, export and permission refusal."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import now_column


class AuditEntry(Base):
    """Who did what, when, from where, to which object, before → after.

    No foreign keys on purpose: deleting a user or a service must not touch (UPDATE) its history,
    which the database refuses (trigger `audit_entries_append_only`, migration audit_0001).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at", "at"),
                      Index("ix_audit_entries_actor_at", "actor_id", "at"),
                      Index("ix_audit_entries_action_at", "action", "at"),
                      Index("ix_audit_entries_object", "object_type", "object_id"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = now_column()
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(300), default="", server_default="")
    address: Mapped[str | None] = mapped_column(INET)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    object_label: Mapped[str] = mapped_column(Text, default="", server_default="")
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
