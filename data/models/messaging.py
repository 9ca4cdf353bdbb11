"""Messages in and out: the raw inbound log, the outbox, in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, now_column, in_list

OUTBOX_STATES = ("queued", "sent", "failed")
# quarantined: kept raw for an admin to release or delete (oversized, blocked sender, unparsable, spam).
INBOUND_STATES = ("received", "processed", "failed", "skipped", "quarantined")


class InboundMessage(Base):
    """Every message a channel received, kept raw before it is handled (nothing lost, nothing twice).

    `source` is the mailbox or bot; `external_id` the Message-ID (or a content hash) or update id.
    `content_hash` (email) is a digest of sender, date, subject and body, unique per channel: the same
    message through two mailboxes or redelivered is one row. `reason_key`/`reason_args` say why a message
    was skipped, quarantined or failed as a message id, so the admin pages show it in the UI language.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "source", "external_id"),
        CheckConstraint(in_list("state", INBOUND_STATES), name="state"),
        Index("ix_inbound_messages_failed", "state", postgresql_where=text("state = 'failed'")),
        Index("ix_inbound_messages_quarantined", "state", postgresql_where=text("state = 'quarantined'")),
        Index("uq_inbound_messages_content_hash", "channel", "content_hash", unique=True,
              postgresql_where=text("content_hash IS NOT NULL")),
        Index("ix_inbound_messages_received", "received_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_hash: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12), default="received", server_default="received")
    error: Mapped[str | None] = mapped_column(Text)
    reason_key: Mapped[str | None] = mapped_column(String(80))
    reason_args: Mapped[dict | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = now_column()
    processed_at: Mapped[datetime | None] = mapped_column(TZ)


class Outbox(Base):
    """A message to deliver, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(in_list("state", OUTBOX_STATES), name="state"),
        CheckConstraint(in_list("channel", ("email", "telegram")), name="channel"),
        Index("ix_outbox_due", "channel", "next_attempt_at", postgresql_where=text("state = 'queued'")),
        # Telegram: a reply to a bot message finds its request by (chat, message id) — migration telegram_0001.
        Index("ix_outbox_telegram_sent", "recipient", "external_id",
              postgresql_where=text("channel = 'telegram' AND external_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))  # reply, notification, auto_reply, pin, summary
    recipient: Mapped[str] = mapped_column(String(254))  # email address or Telegram chat id
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")  # headers, files, buttons
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(8), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = now_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(500))  # Message-ID / Telegram message id
    created_at: Mapped[datetime] = now_column()
    sent_at: Mapped[datetime | None] = mapped_column(TZ)


class Notification(Base):
    """An in-app notification for a staff user (assigned, SLA at risk, mention...)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", postgresql_where=text("NOT is_read")),
                      Index("ix_notifications_user_recent", "user_id", "created_at"))  # the bell's list
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    is_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = now_column()
