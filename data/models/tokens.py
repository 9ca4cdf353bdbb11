"""Personal access tokens: a staff member's own bearer secrets for the metrics API."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, now_column


class PersonalToken(Base):
    """A token that acts as its owner (their role and teams, checked at each call). Only a hash is kept
    (data/identity/bearer.py); the secret is shown once. Revoked tokens stay listed, for the record."""

    __tablename__ = "personal_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the secret's first characters, to tell tokens apart
    created_at: Mapped[datetime] = now_column()
    last_used_at: Mapped[datetime | None] = mapped_column(TZ)
    revoked_at: Mapped[datetime | None] = mapped_column(TZ)
