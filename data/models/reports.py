"""Exports for analysts and the weekly summary's subscriptions and deliveries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, now_column, in_list

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_STATES = ("queued", "running", "done", "failed")


class SavedExport(Base):
    """A named ticket filter plus the chosen columns and format: re-run with one click."""

    __tablename__ = "saved_exports"
    __table_args__ = (UniqueConstraint("user_id", "name"),
                      CheckConstraint(in_list("format", EXPORT_FORMATS), name="format"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    filter: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")  # TicketFilter.to_query()
    columns: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    format: Mapped[str] = mapped_column(String(5), default="csv", server_default="csv")
    created_at: Mapped[datetime] = now_column()


class ExportJob(Base):
    """One export run. The download streams in whichever web worker serves it and writes its
    progress here, so the page's progress bar (polled by any worker) needs no process memory."""

    __tablename__ = "export_jobs"
    __table_args__ = (CheckConstraint(in_list("format", EXPORT_FORMATS), name="format"),
                      CheckConstraint(in_list("state", EXPORT_STATES), name="state"),
                      Index("ix_export_jobs_user_created", "user_id", "created_at"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(60))  # "tickets" or "chart:<name>"
    format: Mapped[str] = mapped_column(String(5))
    filter: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    columns: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    state: Mapped[str] = mapped_column(String(8), default="queued", server_default="queued")
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()
    started_at: Mapped[datetime | None] = mapped_column(TZ)
    finished_at: Mapped[datetime | None] = mapped_column(TZ)


class WeeklySubscription(Base):
    """Who receives the weekly summary, for which teams (empty: the whole company), how and in which language."""

    __tablename__ = "weekly_subscriptions"
    __table_args__ = (CheckConstraint(in_list("locale", ("ru", "en")), name="locale"),
                      CheckConstraint("by_email OR by_telegram", name="some_channel"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_ids: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    by_telegram: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    email: Mapped[str | None] = mapped_column(String(254))  # None: the user's own address
    telegram_chat_id: Mapped[str | None] = mapped_column(String(40))  # None: the user's own chat
    locale: Mapped[str] = mapped_column(String(2), default="ru", server_default="ru")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = now_column()


class WeeklyDelivery(Base):
    """One summary for one ISO week sent to one subscription on one channel. The unique key makes
    the Monday run idempotent however often the scheduler ticks (manual sends are not limited);
    the delivery state lives on the outbox row."""

    __tablename__ = "weekly_deliveries"
    __table_args__ = (Index("uq_weekly_deliveries_scheduled", "subscription_id", "week", "channel", unique=True,
                            postgresql_where=text("NOT manual")),
                      CheckConstraint(in_list("channel", ("email", "telegram")), name="channel"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("weekly_subscriptions.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # ISO week, e.g. 2026-W46
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str | None] = mapped_column(String(254))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)  # why nothing was queued (no address, no file)
    manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = now_column()
