"""Company directory sign-in (LDAP / Active Directory): which directory groups give which role and team,
and which staff users came from the directory."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, in_list, now_column
from data.models.people import ROLES


class DirectoryGroup(Base):
    """A directory group (by DN) mapped to an Okno role and, optionally, a team. Edited by admins."""

    __tablename__ = "directory_groups"
    __table_args__ = (CheckConstraint(in_list("role", ROLES), name="role"),
                      Index("uq_directory_groups_group_dn", text("lower(group_dn)"), unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    group_dn: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = now_column()


class DirectoryAccount(Base):
    """A staff user who signs in with the directory: the entry they came from. Such users have no local
    password; each sign-in re-reads their groups."""

    __tablename__ = "directory_accounts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    dn: Mapped[str] = mapped_column(String(500), index=True)
    login: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased, as last typed
    # Why the directory switched the user off ("disabled", "not_found", "no_group"); None = it did not.
    # Only a user the directory switched off is switched on again by the directory.
    disabled_reason: Mapped[str | None] = mapped_column(String(20))
    manager_dn: Mapped[str | None] = mapped_column(String(500))  # the entry's `manager`, for approvals
    synced_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
