"""One handled update: the chat's draft (locked), the requester, and what the bot will say.

The bot never calls Telegram while handling: everything it says is an outbox row written in the
same transaction as the change, delivered right after the commit (ingest/telegram/out.py). So a
crash mid-handling leaves neither a ticket without its answer nor an answer without its ticket.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data.errors import OknoError
from data.messaging import outbox
from data.i18n import translate
from data.models import Outbox, Requester, TelegramDraft, Ticket

DRAFTS = "okno_telegram_drafts"  # session.info in a batch: {chat id: its draft, locked} (preload.py)
Buttons = list[list[tuple[str, str]]]  # rows of (label, callback_data)

log = logging.getLogger("okno.telegram")


def locale_of(language_code: str | None) -> str:
    """Russian for Russian (and neighbouring) clients, English for everyone else."""
    code = (language_code or "").lower()[:2]
    return "ru" if code in ("ru", "uk", "be", "kk", "") else "en"


def new_nonce() -> str:
    return secrets.token_urlsafe(6)[:8]


def load_draft(session: Session, chat_id: str, locale: str) -> TelegramDraft:
    """The chat's draft, locked for this update (two hosts handling one chat take turns). A batch has
    locked its chats' drafts together already (ingest/telegram/preload.py)."""
    draft = (session.info.get(DRAFTS) or {}).get(chat_id)
    if draft is not None:
        draft.locale = locale
        return draft
    session.execute(pg_insert(TelegramDraft).values(chat_id=chat_id, nonce=new_nonce(), locale=locale)
                    .on_conflict_do_nothing(index_elements=["chat_id"]))
    draft = session.scalar(select(TelegramDraft).where(TelegramDraft.chat_id == chat_id).with_for_update())
    draft.locale = locale
    return draft


def reset_draft(draft: TelegramDraft, step: str = "idle", **data) -> None:
    """Start over: a new nonce makes every button of the previous flow stale."""
    draft.step, draft.nonce, draft.data = step, new_nonce(), dict(data)


@dataclass
class Turn:
    session: Session
    chat_id: str
    chat_type: str
    locale: str
    draft: TelegramDraft
    requester: Requester
    bot_id: int
    bot_username: str = ""
    queued: list[Outbox] = field(default_factory=list)

    @property
    def private(self) -> bool:
        return self.chat_type == "private"

    def t(self, key: str, /, **values) -> str:
        return translate(key, self.locale, **values)

    def say(self, text: str, buttons: Buttons | None = None, ticket: Ticket | None = None,
            reply_to: int | None = None) -> Outbox:
        """Queue a message to this chat; `ticket` lets a reply to it become a comment on that request."""
        payload: dict = {}
        if buttons:
            payload["buttons"] = [[list(b) for b in row] for row in buttons]
        if reply_to:
            payload["reply_to"] = reply_to
        row = outbox.queue(self.session, channel="telegram", kind="bot", recipient=self.chat_id, body=text[:4096],
                           ticket=ticket, payload=payload)
        self.queued.append(row)
        return row

    def answer(self, query_id: str, text: str | None = None, alert: bool = False) -> None:
        """Stop the client's spinner on a pressed button (with a note when the button was refused)."""
        row = outbox.queue(self.session, channel="telegram", kind="callback", recipient=self.chat_id,
                           body=text or "", payload={"callback_query_id": query_id, "alert": alert})
        self.queued.append(row)

    def edit(self, message_id: int, text: str) -> None:
        """Replace a prompt with the choice made, so old buttons disappear from the chat."""
        row = outbox.queue(self.session, channel="telegram", kind="edit", recipient=self.chat_id,
                           body=text[:4096], payload={"message_id": message_id})
        self.queued.append(row)

    def press(self, query, what: str, action):
        """A decision button (a rating, an approval): `action()` in a savepoint; a refusal (forged, spent,
        expired) is logged and shown as an alert and gives None. The button's spinner stops either way."""
        try:
            with self.session.begin_nested():
                result = action()
        except OknoError as err:
            log.warning("refused %s %r from user %s in chat %s: %s", what, query.data, query.from_user.id,
                        self.chat_id, err.key)
            self.answer(query.id, err.message(self.locale), alert=True)
            return None
        self.answer(query.id)
        return result

    def replace_question(self, query, text) -> None:
        """The question under the pressed buttons becomes `text(question)`: the buttons go, the answer stays."""
        if query.message is not None and getattr(query.message, "text", None):
            self.edit(query.message.message_id, text(query.message.text))

    def flush_ids(self) -> list[int]:
        self.session.flush()
        return [row.id for row in self.queued]
