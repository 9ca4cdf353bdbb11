"""Approvals: a ticket's approval (its steps as configured when it was submitted, its state) and one row per
approver and step with their decision."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, in_list, now_column

APPROVAL_STATES = ("pending", "approved", "rejected")
DECISIONS = ("approved", "rejected")
APPROVAL_COMMENT_DB_MAX = 4000


class ApprovalFlow(Base):
    """The approval a ticket waits for. `steps` is the request type's configuration as it was at submission
    ([{kind, ref, mode}]): editing the type later does not change a running approval. `step` is the one
    waiting now; `return_column_id`/`return_lane_id` are where the card goes once approved."""

    __tablename__ = "approval_flows"
    __table_args__ = (CheckConstraint(in_list("state", APPROVAL_STATES), name="state"),
                      Index("ix_approval_flows_pending", "ticket_id", postgresql_where=text("state = 'pending'")))
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    steps: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    step: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    return_column_id: Mapped[int | None] = mapped_column(Integer)
    return_lane_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = now_column()
    decided_at: Mapped[datetime | None] = mapped_column(TZ)


class TicketApproval(Base):
    """One approver's part in one step: asked (decision NULL), approved or rejected, with a comment.

    Only the hash of the email link's token is kept; the row being decided is the token's single use."""

    __tablename__ = "ticket_approvals"
    __table_args__ = (
        CheckConstraint(f"decision IS NULL OR {in_list('decision', DECISIONS)}", name="decision"),
        CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided_when_decision"),
        CheckConstraint(f"comment IS NULL OR char_length(comment) <= {APPROVAL_COMMENT_DB_MAX}", name="comment_length"),
        Index("uq_ticket_approvals_step_approver", "ticket_id", "step", "approver_id", unique=True),
        Index("ix_ticket_approvals_waiting", "approver_id", postgresql_where=text("decision IS NULL")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(SmallInteger)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(TZ)
    asked_at: Mapped[datetime] = now_column()
    decision: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(10))  # where the decision came from: web, email, telegram
    decided_at: Mapped[datetime | None] = mapped_column(TZ)
