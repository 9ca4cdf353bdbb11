"""A staff member's own settings, as the profile page shows and changes them: language and how they want
to be told about new work (in the app only, or also by email or Telegram; data/messaging/notify.py reads
it). Language is accounts.set_locale, the password accounts.change_own_password, tokens data/identity/tokens.py.
"""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from data import audit
from data.errors import Text, ValidationError
from data.identity import accounts
from data.models import Team, User

CHANNELS = ("app", "email", "telegram")
CHAT_ID = re.compile(r"-?[0-9]{1,20}")  # a Telegram chat id: what the bot's /start shows


def view(session: Session, user: User) -> dict:
    team = session.get(Team, user.team_id) if user.team_id else None
    return {"name": user.name, "email": user.email, "role": user.role, "team": team.name if team else None,
            "locale": user.locale, "notify_channel": user.notify_channel, "telegram_chat_id": user.telegram_chat_id,
            "directory": accounts.signs_in_with_directory(session, user)}


def set_notifications(session: Session, user: User, channel: str, telegram_chat_id: str | None = None) -> None:
    """In-app notifications always; `channel` adds email or Telegram (which needs the chat id)."""
    if channel not in CHANNELS:
        raise ValidationError("errors.notify_channel", {"notify_channel": Text("errors.field.invalid")})
    chat = (telegram_chat_id or "").strip() or None
    if chat is not None and not CHAT_ID.fullmatch(chat):
        raise ValidationError("errors.telegram_chat_id", {"telegram_chat_id": Text("errors.field.invalid")})
    if channel == "telegram" and chat is None:
        raise ValidationError("errors.telegram_chat_id", {"telegram_chat_id": Text("errors.field.required")})
    before = audit.snapshot(user)
    user.notify_channel, user.telegram_chat_id = channel, chat
    session.flush()
    audit.saved(session, user, "user", user, before)
