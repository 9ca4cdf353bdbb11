"""Satisfaction ratings: one question per resolution of a ticket, and the requester's answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, now_column

RATING_COMMENT_DB_MAX = 4000  # ratings.comment: the CHECK behind data/csat/rate.py's configured limit


class Rating(Base):
    """The question asked when a ticket was resolved (`resolution` = how many times it had been reopened
    before, so a reopen and a new resolution ask again) and, once answered, the score.

    Only the hash of the link's token is kept: a leaked table does not let anyone rate. The row is the
    token's single use: a score set means the link is spent."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("ticket_id", "resolution", name="uq_ratings_ticket_resolution"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score"),
        CheckConstraint(f"comment IS NULL OR char_length(comment) <= {RATING_COMMENT_DB_MAX}", name="comment_length"),
        CheckConstraint("(score IS NULL) = (rated_at IS NULL)", name="rated_when_scored"),
        Index("ix_ratings_rated_at", "rated_at"),
        Index("ix_ratings_resolved_at", "resolved_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    resolution: Mapped[int] = mapped_column(Integer)
    resolved_at: Mapped[datetime] = mapped_column(TZ)
    requester_id: Mapped[int] = mapped_column(ForeignKey("requesters.id", ondelete="CASCADE"), index=True)
    # The agent who resolved it (the assignee then): the Team analytics credit them, not a later assignee.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # where the question went: email, telegram, portal
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime] = now_column()
    expires_at: Mapped[datetime] = mapped_column(TZ)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(TZ)
