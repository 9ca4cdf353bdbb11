"""Telegram conversation state: one draft per chat, kept in PostgreSQL so a restart loses nothing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import now_column


class TelegramDraft(Base):
    """Where a chat is in the bot's conversation, and the new request being filled in.

    `step` is idle|service|type|field|checklist|files|confirm|link_email|link_pin.
    `nonce` changes whenever a new flow starts; every inline button carries it, so a button from
    an old message or another chat (a forged callback) is recognised and refused.
    `data` holds service_id, request_type_id, values, the current field, confirmed checklist
    items, files (Telegram file ids, downloaded on submit) and the email-linking PIN state.
    """

    __tablename__ = "telegram_drafts"
    chat_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(20), default="idle", server_default="idle")
    nonce: Mapped[str] = mapped_column(String(12))
    locale: Mapped[str] = mapped_column(String(5), default="ru", server_default="ru")
    data: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    updated_at: Mapped[datetime] = now_column()
