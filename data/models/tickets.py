"""Tickets (cards), their append-only event history, comments, attachments, checklists."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Double, FetchedValue, ForeignKey, ForeignKeyConstraint,
                        Index, Integer, LargeBinary, Sequence, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.db import Base
from data.i18n import N_
from data.limits import DB_MAX, FIELDS_DB_MAX, HTML_DB_MAX
from data.models._types import TZ, now_column, in_list, max_chars
from data.models.boards import COLUMN_KINDS

CHANNELS = ("email", "telegram", "portal", "api", "agent")
# Shown as _(f"channel.{channel}"): the message ids, for extraction.
CHANNEL_LABELS = {"email": N_("channel.email"), "telegram": N_("channel.telegram"), "portal": N_("channel.portal"),
                  "api": N_("channel.api"), "agent": N_("channel.agent")}
EVENT_KINDS = ("created", "moved", "assigned", "priority", "field", "blocked", "unblocked",
               "comment", "checklist", "escalated", "type", "sla", "approval")

ticket_number_seq = Sequence("ticket_number_seq", start=1001)


class Ticket(Base):
    """A request as a card on a board. `status` is the kind of its current column."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(in_list("channel", CHANNELS), name="channel"),
        CheckConstraint(in_list("status", COLUMN_KINDS), name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # The card's column is on its board and its status is that column's kind; a column's new kind
        # reaches its cards' status by the cascade (data/boards/setup.py writes their events).
        ForeignKeyConstraint(["column_id", "board_id", "status"],
                             ["board_columns.id", "board_columns.board_id", "board_columns.kind"],
                             name="fk_tickets_column_on_board_with_status", onupdate="CASCADE"),
        # The card's lane is on its board; deleting the lane takes the card out of it (lane_id only).
        ForeignKeyConstraint(["lane_id", "board_id"], ["lanes.id", "lanes.board_id"],
                             name="fk_tickets_lane_on_board", ondelete="SET NULL (lane_id)"),
        CheckConstraint(max_chars("description", DB_MAX["text"]), name="description_size"),
        CheckConstraint(max_chars("description_html", HTML_DB_MAX), name="description_html_size"),
        CheckConstraint(max_chars("blocked_reason", DB_MAX["text"]), name="blocked_reason_size"),
        CheckConstraint(f"char_length(fields::text) <= {FIELDS_DB_MAX}", name="fields_size"),
        CheckConstraint("position > '-Infinity'::float8 AND position < 'Infinity'::float8", name="position_finite"),
        CheckConstraint("version >= 1 AND reopened_count >= 0", name="counters"),
        # Parent cycles and assignees outside the board's teams are refused by triggers (integrity_0001).
        # The board renders column by column, in card order.
        Index("ix_tickets_board_column", "board_id", "column_id", "position"),
        Index("ix_tickets_created", "created_at"),
        Index("ix_tickets_title", "title"),  # sorting the list by title
        Index("ix_tickets_resolved", "resolved_at", postgresql_where=text("resolved_at IS NOT NULL")),
        Index("ix_tickets_assignee_open", "assignee_id", postgresql_where=text("status <> 'done'")),
        Index("ix_tickets_service_created", "service_id", "created_at"),
        # ix_tickets_search (trigram on lower(title)) is created by migration 0001 where pg_trgm exists.
        *[Index(f"ix_tickets_{key}", text(f"{key} ASC NULLS LAST"), text("id DESC"))
          for key in ("priority_rank", "assignee_sort", "service_sort")],
        # Free-form tags (data/tickets/tags.py): the list's "tag" filter asks `tags && …` through this index.
        Index("ix_tickets_tags", "tags", postgresql_using="gin"),
        # search_tsv (a generated tsvector, GIN-indexed) is added by migration ux_0001 and deliberately not
        # mapped: loading a card needn't read it; data/tickets/search.py names it in SQL.
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, ticket_number_seq, unique=True,
                                        server_default=ticket_number_seq.next_value())
    title: Mapped[str] = mapped_column(String(DB_MAX["title"]))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_html: Mapped[str | None] = mapped_column(Text)  # sanitised HTML from email
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    request_type_id: Mapped[int | None] = mapped_column(ForeignKey("request_types.id", ondelete="SET NULL"))
    card_type: Mapped[str | None] = mapped_column(String(60))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    priority_id: Mapped[int | None] = mapped_column(ForeignKey("priorities.id", ondelete="SET NULL"))
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    column_id: Mapped[int] = mapped_column(Integer)  # fk_tickets_column_on_board_with_status
    lane_id: Mapped[int | None] = mapped_column(Integer)  # fk_tickets_lane_on_board
    status: Mapped[str] = mapped_column(String(12))
    position: Mapped[float] = mapped_column(Double, default=0.0, server_default="0")
    channel: Mapped[str] = mapped_column(String(10))
    fields: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")  # normalised, sorted
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
    column_entered_at: Mapped[datetime] = now_column()  # for column time limits
    started_at: Mapped[datetime | None] = mapped_column(TZ)  # first entry into in-progress
    first_response_at: Mapped[datetime | None] = mapped_column(TZ)  # first public agent reply
    resolved_at: Mapped[datetime | None] = mapped_column(TZ)  # last entry into done
    reopened_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # SLA state, kept current by data/sla/recompute.py so that boards and analytics read it cheaply.
    sla_policy_id: Mapped[int | None] = mapped_column(Integer)
    first_response_due_at: Mapped[datetime | None] = mapped_column(TZ)
    resolution_due_at: Mapped[datetime | None] = mapped_column(TZ)
    sla_first_response_breached: Mapped[bool | None] = mapped_column(Boolean)
    sla_resolution_breached: Mapped[bool | None] = mapped_column(Boolean)
    # The card's signal without recomputation: the nearest due time of a running target and the
    # moment it turns "at risk". NULL when no SLA applies or the clock is paused.
    sla_due_at: Mapped[datetime | None] = mapped_column(TZ)
    sla_at_risk_at: Mapped[datetime | None] = mapped_column(TZ)
    # The list's sort keys, copies of the priority's rank, the assignee's and the service's name so
    # that each sort walks an index (migration scale_0001). Database triggers keep them current on
    # every write; the ORM never sets them.
    priority_rank: Mapped[int | None] = mapped_column(Integer, server_default=FetchedValue(),
                                                      server_onupdate=FetchedValue())
    assignee_sort: Mapped[str | None] = mapped_column(Text, server_default=FetchedValue(),
                                                      server_onupdate=FetchedValue())
    service_sort: Mapped[str | None] = mapped_column(Text, server_default=FetchedValue(),
                                                     server_onupdate=FetchedValue())

    __mapper_args__ = {"version_id_col": version}

    comments: Mapped[list[Comment]] = relationship(order_by="Comment.created_at", viewonly=True)


class TicketEvent(Base):
    """One change to a ticket. Append-only: analytics and SLA are computed from these rows.

    For `moved` the from/to column, lane and status are set; for `assigned` the from/to user;
    other kinds put their old/new values in from_value/to_value and details in `data`.

    In the database the table is partitioned by month of `at` (migration scale2_0001,
    data/ops/event_partitions.py) and its primary key is (id, at); ids still come from one sequence.
    """

    __tablename__ = "ticket_events"
    __table_args__ = (
        CheckConstraint(in_list("kind", EVENT_KINDS), name="kind"),
        Index("ix_ticket_events_ticket_at", "ticket_id", "at"),
        Index("ix_ticket_events_kind_at", "kind", "at"),
        # Blocked time reads the block and unblock events in this order (data/metrics/stays.blocked_spans).
        Index("ix_ticket_events_blocks", "ticket_id", "at", "id", postgresql_include=["kind", "to_value"],
              postgresql_where=text("kind IN ('blocked', 'unblocked')")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = now_column()
    kind: Mapped[str] = mapped_column(String(12))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id", ondelete="SET NULL"))
    board_id: Mapped[int | None] = mapped_column(Integer)
    from_column_id: Mapped[int | None] = mapped_column(Integer)
    to_column_id: Mapped[int | None] = mapped_column(Integer)
    from_lane_id: Mapped[int | None] = mapped_column(Integer)
    to_lane_id: Mapped[int | None] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    from_user_id: Mapped[int | None] = mapped_column(Integer)
    to_user_id: Mapped[int | None] = mapped_column(Integer)
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONB)


class Comment(Base):
    """A public reply (reaches the requester) or an internal note (staff only)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("(author_user_id IS NULL) <> (author_requester_id IS NULL) OR is_system",
                        name="one_author"),
        CheckConstraint(in_list("delivery_state", ("none", "queued", "sent", "failed")), name="delivery_state"),
        UniqueConstraint("channel", "external_id"),
        Index("ix_comments_ticket_created", "ticket_id", "created_at"),
        CheckConstraint(max_chars("body", DB_MAX["text"]), name="body_size"),
        CheckConstraint(max_chars("body_html", HTML_DB_MAX), name="body_html_size"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id", ondelete="SET NULL"))
    is_public: Mapped[bool] = mapped_column(Boolean)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")  # auto-replies
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised
    channel: Mapped[str] = mapped_column(String(10), default="agent", server_default="agent")
    external_id: Mapped[str | None] = mapped_column(String(500))  # e.g. the email Message-ID
    from_unknown_sender: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    delivery_state: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = now_column()


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (CheckConstraint(max_chars("text", DB_MAX["checklist_item"]), name="text_size"),
                      CheckConstraint("position >= 0", name="position_not_negative"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(TZ)
