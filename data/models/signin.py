"""Sign-in limits: failed staff logins per account and per client address, wrong portal PINs per address."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, in_list, now_column

THROTTLE_SCOPES = ("account", "address")


class LoginThrottle(Base):
    """Failed staff sign-ins in a row for one account (lower-cased email) or one client address.

    A success clears the account's row; each failure makes the next try wait longer, then locks
    (`locked_until`), which an admin can lift (/admin/sign-in) before it ends."""

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint(in_list("scope", THROTTLE_SCOPES), name="scope"),)
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime] = now_column()
    locked_until: Mapped[datetime | None] = mapped_column(TZ)


class PinFailure(Base):
    """One wrong portal PIN: counted per code and client address, so a stranger's guesses from their
    address do not kill the code the requester types from theirs."""

    __tablename__ = "pin_failures"
    __table_args__ = (Index("ix_pin_failures_pin_ip", "pin_id", "ip"), Index("ix_pin_failures_ip_at", "ip", "at"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pin_id: Mapped[int] = mapped_column(ForeignKey("portal_pins.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = now_column()
