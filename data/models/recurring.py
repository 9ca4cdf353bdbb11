"""Recurring requests: a request template with a schedule, and the occurrences already filed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, now_column


class RecurringRequest(Base):
    """What to file (service, type, title, form values, on whose behalf, for whom) and when (schedule,
    data/intake/schedules.py) on which business calendar (none: the Russian production calendar, 9–18)."""

    __tablename__ = "recurring_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    request_type_id: Mapped[int | None] = mapped_column(ForeignKey("request_types.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    fields: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    schedule: Mapped[dict] = mapped_column(JSONB)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    next_at: Mapped[datetime | None] = mapped_column(TZ, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = now_column()


class RecurringRun(Base):
    """One occurrence of a recurring request. The primary key (template, occurrence) is what makes filing
    exactly-once: two workers that reach the same occurrence insert one row, and only the inserter files."""

    __tablename__ = "recurring_runs"
    recurring_id: Mapped[int] = mapped_column(ForeignKey("recurring_requests.id", ondelete="CASCADE"),
                                              primary_key=True)
    occurrence: Mapped[datetime] = mapped_column(TZ, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tickets.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = now_column()
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
