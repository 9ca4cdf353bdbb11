"""Staff users and teams (support lines), requesters and their channel identities."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.db import Base
from data.models._types import TZ, now_column, in_list

ROLES = ("admin", "manager", "agent", "analyst", "director")


class Team(Base):
    """A team of agents. Support lines are teams with a level (1 = L1, 2 = L2, 3 = L3)."""

    __tablename__ = "teams"
    __table_args__ = (CheckConstraint("line_level IS NULL OR line_level >= 1", name="line_level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    line_level: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True, ondelete="SET NULL"))
    created_at: Mapped[datetime] = now_column()


class User(Base):
    """Staff: admins, managers (team leads), agents, analysts, directors."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(in_list("role", ROLES), name="role"),
                      CheckConstraint(in_list("notify_channel", ("app", "email", "telegram")), name="notify_channel"))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))  # None: follow the browser
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    notify_channel: Mapped[str] = mapped_column(String(10), default="app", server_default="app")
    telegram_chat_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = now_column()
    # Bumped by logout and password change: a session cookie carrying an older number is refused.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Requester(Base):
    """A person who asks for help. One person, however many channels they write from."""

    __tablename__ = "requesters"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = now_column()
    # Their manager for approvals, when set by hand; else the directory's `manager` (data/approvals/people.py).
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    identities: Mapped[list[RequesterIdentity]] = relationship(back_populates="requester")


class RequesterIdentity(Base):
    """An address a requester writes from: an email address, a Telegram chat, a portal login."""

    __tablename__ = "requester_identities"
    __table_args__ = (UniqueConstraint("channel", "address"),
                      CheckConstraint(in_list("channel", ("email", "telegram")), name="channel"))
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))  # lower-cased email, or Telegram chat id
    display: Mapped[str | None] = mapped_column(Text)  # e.g. "@username"
    verified_at: Mapped[datetime | None] = mapped_column(TZ)
    # The channel refused it for good (Telegram 403 "bot was blocked by the user", "chat not found"):
    # replies go to another identity until the person writes from it again.
    unreachable_at: Mapped[datetime | None] = mapped_column(TZ)
    unreachable_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()

    requester: Mapped[Requester] = relationship(back_populates="identities")
