"""Saved views of the ticket list (and the board): a named filter, private or shared with a team."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import in_list, now_column

VIEW_PAGES = ("tickets", "board")


class SavedView(Base):
    """A filter saved under a name. `team_id` None: only its owner sees it; else every member of that team."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name"),
                      CheckConstraint(in_list("page", VIEW_PAGES), name="page"),
                      Index("ix_saved_views_team", "team_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    page: Mapped[str] = mapped_column(String(10), default="tickets", server_default="tickets")
    name: Mapped[str] = mapped_column(String(120))
    filter: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")  # TicketFilter.to_query()
    created_at: Mapped[datetime] = now_column()
