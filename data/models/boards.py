"""Boards: columns (stages of work) × lanes (agents, support lines or business units)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.db import Base
from data.i18n import N_
from data.models._types import now_column, in_list

COLUMN_KINDS = ("queue", "in_progress", "waiting", "done")
# A kind is shown as its status word, _(f"status.{kind}"): the message ids, for extraction.
STATUS_LABELS = {"queue": N_("status.queue"), "in_progress": N_("status.in_progress"),
                 "waiting": N_("status.waiting"), "done": N_("status.done")}
LANE_MODES = ("none", "agent", "line", "unit")
# How a request that reached a done column ended: the portal shows "declined" in grey, apart from "done".
COLUMN_OUTCOMES = ("done", "declined")


class Board(Base):
    __tablename__ = "boards"
    __table_args__ = (CheckConstraint(in_list("lane_mode", LANE_MODES), name="lane_mode"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lane_mode: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    # Bumped on every change of a card on this board; the board page polls it cheaply.
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = now_column()

    columns: Mapped[list[BoardColumn]] = relationship(order_by="BoardColumn.position")
    lanes: Mapped[list[Lane]] = relationship(order_by="Lane.position")


class BoardColumn(Base):
    """A stage of work. Its kind drives status, metrics and SLA (waiting pauses the clock)."""

    __tablename__ = "board_columns"
    __table_args__ = (CheckConstraint(in_list("kind", COLUMN_KINDS), name="kind"),
                      CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="wip_positive"),
                      CheckConstraint("outcome IS NULL OR " + in_list("outcome", COLUMN_OUTCOMES), name="outcome"),
                      CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"),
                      UniqueConstraint("board_id", "position"),
                      # What a ticket's (column, board, status) refers to: its column is on its board and its
                      # status is the column's kind (integrity_0001).
                      UniqueConstraint("id", "board_id", "kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer)
    wip_limit: Mapped[int | None] = mapped_column(Integer)
    wip_hard: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    # What the requester sees in the portal while the request is here, e.g. "In progress".
    requester_status: Mapped[str | None] = mapped_column(String(120))
    # Done columns only: 'done' or 'declined' (NULL on a done column reads as 'done'; adminforms_0001).
    outcome: Mapped[str | None] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Lane(Base):
    """A horizontal swimlane: an agent (moving a card here assigns it), a line or a unit."""

    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("board_id", "position"),
                      CheckConstraint("wip_limit IS NULL OR wip_limit > 0", name="wip_positive"),
                      UniqueConstraint("id", "board_id"))  # a ticket's (lane, board) refers to it
    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    wip_limit: Mapped[int | None] = mapped_column(Integer)
