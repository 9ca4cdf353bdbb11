"""Requester portal and web-form API: one-time PINs, integration tokens, round-robin cursors."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, in_list, now_column

PIN_PURPOSES = ("login", "link")


class PortalPin(Base):
    """A 6-digit code sent to an email address. Only its hash is stored; it dies when used,
    expired or tried too often. Rows also serve as the send log for rate limits (per address, per IP).

    purpose "login": signs in to the portal; "link": proves the email before a Telegram identity
    (payload {"chat_id", "name", "username"}) is merged into that email's requester.
    """

    __tablename__ = "portal_pins"
    __table_args__ = (CheckConstraint(in_list("purpose", PIN_PURPOSES), name="purpose"),
                      Index("ix_portal_pins_address_created", "address", "created_at"),
                      Index("ix_portal_pins_ip_created", "ip", "created_at"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(254))  # lower-cased email
    purpose: Mapped[str] = mapped_column(String(10), default="login", server_default="login")
    pin_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(TZ)
    used_at: Mapped[datetime | None] = mapped_column(TZ)


class IntegrationToken(Base):
    """A bearer token for the web-form API (an intranet site, a widget). Only a hash is kept;
    the secret is shown once when the admin creates it."""

    __tablename__ = "integration_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the admin list to tell tokens apart
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = now_column()
    last_used_at: Mapped[datetime | None] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)


class RoutingCursor(Base):
    """Who got the last request in a round-robin rotation (key: "rt:<request type id>:team:<team id>")."""

    __tablename__ = "routing_cursors"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_user_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = now_column()


class ColumnFanout(Base):
    """Child cards created when a card enters this column (e.g. "Offer accepted" → payroll, accounting,
    admins). Same template format as RequestType.children; see data/intake/fanout.py."""

    __tablename__ = "column_fanouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("board_columns.id", ondelete="CASCADE"), unique=True)
    children: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    children_mode: Mapped[str] = mapped_column(String(10), default="parallel", server_default="parallel")
    created_at: Mapped[datetime] = now_column()
