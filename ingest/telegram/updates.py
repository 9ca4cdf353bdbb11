"""Handling one stored Telegram update: parse it, find the chat's requester and draft, dispatch.

`handle()` runs inside the transaction that marks the stored update processed, so handling an
update twice is impossible and a failure rolls back everything it did (the raw update stays).
"""
from __future__ import annotations

import logging

from telegram import Bot, Update

from ingest.telegram.buttons import on_callback
from ingest.telegram.flow import on_message
from ingest.telegram.requests import find_or_create_by_telegram, note_locale
from ingest.telegram.turn import Turn, load_draft, locale_of

log = logging.getLogger("okno.telegram")
IGNORED_KINDS = ("edited_message", "my_chat_member", "chat_member", "edited_channel_post", "channel_post")


class Unsupported(Exception):
    """An update the bot cannot use: recorded with this reason and skipped."""


def parse(raw, bot: Bot) -> Update:
    if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
        raise Unsupported("malformed update: no integer update_id")
    try:
        return Update.de_json(raw, bot)
    except Exception as exc:  # PTB raises assorted errors on shapes it can't read
        raise Unsupported(f"malformed update: {type(exc).__name__}: {exc}") from exc


async def handle(session, bot: Bot, bot_id: int, bot_username: str, raw) -> list[int]:
    """Handle one stored update; returns the ids of the outbox rows to deliver after commit."""
    update = parse(raw, bot)
    if update.callback_query is not None:
        query = update.callback_query
        if query.message is None or query.from_user is None:
            raise Unsupported("callback without a message (inline mode is not used)")
        turn = _turn(session, query.message.chat, query.from_user, bot_id, bot_username)
        await on_callback(turn, bot, query)
        return turn.flush_ids()
    message = update.message
    if message is None:
        if any(raw.get(kind) for kind in IGNORED_KINDS):
            return []  # known, but nothing for the service desk to do
        raise Unsupported("unsupported update: " + ", ".join(sorted(k for k in raw if k != "update_id")))
    if message.from_user is None or message.from_user.is_bot:
        return []
    turn = _turn(session, message.chat, message.from_user, bot_id, bot_username)
    await on_message(turn, bot, message)
    return turn.flush_ids()


def _turn(session, chat, sender, bot_id: int, bot_username: str) -> Turn:
    locale = locale_of(sender.language_code)
    private = chat.type == "private"
    name = sender.full_name if private else (chat.title or str(chat.id))
    requester = find_or_create_by_telegram(session, str(chat.id), name,
                                           username=sender.username if private else None)
    note_locale(requester, locale)
    draft = load_draft(session, str(chat.id), locale)
    draft.requester_id = requester.id
    return Turn(session=session, chat_id=str(chat.id), chat_type=chat.type, locale=locale, draft=draft,
                requester=requester, bot_id=bot_id, bot_username=bot_username)
