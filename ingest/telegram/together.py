"""The commonest updates of a batch written together: a plain message that becomes a new request, a reply
to the bot's message about a request that becomes a comment on it.

One update at a time each costs ~30 statements (savepoint, identity, requester, draft, service, the
requester's addresses, the column lock, the top position, ticket, event, the fan-out lookup, the answer,
the draft, the stored update's outcome …). Here the batch's plain ones get, together:

- new requests (a private chat, idle, text only, no command, nothing the knowledge base would suggest,
  the default service placing every card the same way — email's rule, ingest/email/new_tickets.py —
  and no rule that would fire): unknown chats' requesters and identities by one multi-row INSERT each
  (`ON CONFLICT DO NOTHING`: a chat another worker just took goes the per-update way), the column locked
  once and positions min-1, min-2, …, then one multi-row INSERT each for tickets, `created` events, the
  service's auto-reply comments, their events and outbox rows, and the bot's answers ("Request #N");
  one SLA recompute for all;
- replies (a private chat's text answering the bot's message about one of the requester's own requests,
  no rule that would fire on the comment): the requests locked in id order, one multi-row INSERT each for
  comments, their events and the answers, one executemany for the tickets' `updated_at`, one SLA recompute;
- the drafts (locale, requester) and the stored updates' outcomes: one executemany each.

New requests: together_requests.py; replies: together_replies.py; here: which updates are plain, and
the bookkeeping every taken update leaves. What they write is what updates.handle() writes for the same update (tests/test_telegram_together.py
compares the two). Only the first update of a chat in the batch can be taken, so a chat's later updates
(on the per-update path, after this) see it done. The one difference: requests made here are numbered
before the batch's other new requests, not between them.

All of it runs in one savepoint: if anything fails, every update goes the per-update way.
OKNO_TELEGRAM_SET_INTAKE=0 (Config.telegram_set_intake) turns this path off.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from telegram import Update

from data.config import get_config
from data.i18n import translate
from data.intake import requesters
from data.models import InboundMessage, Outbox, Requester, TelegramDraft, Ticket

from ingest.common import now
from ingest.telegram import preload, together_replies, together_requests
from ingest.telegram.flow import file_of
from ingest.telegram.turn import DRAFTS, locale_of

log = logging.getLogger("okno.telegram")


def enabled() -> bool:
    return get_config().telegram_set_intake


@dataclass
class Plain:
    row: InboundMessage
    chat_id: str
    locale: str
    text: str
    message_id: int
    name: str
    display: str | None
    replied_to: int | None  # the bot's message it answers
    requester: Requester | None = None
    ticket: Ticket | None = None  # the request a reply is about
    values: dict = field(default_factory=dict)

    def t(self, key: str, **values) -> str:
        return translate(key, self.locale, **values)


def take(session: Session, bot_id: int, rows: list[InboundMessage], parsed: list[Update | None]) -> dict[int, list[int]]:
    """Handle the batch's plain updates set-based; {stored update id: its answers' outbox ids} of those taken."""
    if not enabled():
        return {}
    found = _plain(bot_id, rows, parsed, session.info.get(DRAFTS) or {})
    if not found:
        return {}
    try:
        with session.begin_nested():
            taken = _write(session, found)
    except Exception:  # noqa: BLE001 — the per-update path handles (and explains) every update instead
        log.warning("set-based handling of %d telegram updates failed; one by one instead", len(found), exc_info=True)
        known = session.info.get(requesters.IDENTITIES)
        if known is not None:  # it may hold identities the rollback took away: read them again
            for item in found:
                known.pop(("telegram", item.chat_id), None)
        return {}
    return taken


def _plain(bot_id: int, rows: list[InboundMessage], parsed: list[Update | None], drafts: dict) -> list[Plain]:
    """The first update of each chat when it is plain text in a private chat (no command, no file); the
    checks that need no database."""
    seen: set[str] = set()
    found = []
    for row, update in zip(rows, parsed):
        chat = preload.sender_chat(update)
        if chat is None:
            continue
        chat_id = str(chat[0].id)
        first = chat_id not in seen
        seen.add(chat_id)
        message = update.message
        if not first or message is None or chat[0].type != "private" or chat_id not in drafts:
            continue
        text = message.text or ""
        if not text.strip() or text.strip().startswith("/") or message.caption or file_of(message) is not None:
            continue
        reply = message.reply_to_message
        replied = reply.message_id if reply is not None and reply.from_user is not None \
            and reply.from_user.id == bot_id else None
        if replied is None and drafts[chat_id].step != "idle":
            continue  # a form, a held message, a PIN: the conversation code decides
        sender = chat[1]
        found.append(Plain(row, chat_id, locale_of(sender.language_code), text, message.message_id,
                            sender.full_name, f"@{sender.username.lstrip('@')}" if sender.username else None,
                            replied))
    return found


def _write(session: Session, found: list[Plain]) -> dict[int, list[int]]:
    together_requests.resolve_requesters(session, found)
    replies = together_replies.replies(session, [p for p in found if p.replied_to is not None])
    news = together_requests.news(session, [p for p in found if p.replied_to is None and p.requester is not None])
    answers: dict[int, list[int]] = {}
    done = replies + news
    if not done:
        return answers
    rows = [{"channel": "telegram", "kind": "bot", "recipient": p.chat_id, "body": p.values["answer"][:4096],
             "ticket_id": p.ticket.id if p.ticket is not None else p.values["id"], "comment_id": None,
             "payload": p.values["payload"]} for p in done]
    for p, outbox_id in zip(done, session.scalars(insert(Outbox).returning(Outbox.id, sort_by_parameter_order=True),
                                                  rows).all()):
        answers[p.row.id] = [outbox_id]  # (an auto-reply goes with the sweep, as one update at a time)
    _drafts(session, done)
    _processed(session, done)
    return answers



# ---- what every taken update leaves: the draft, the stored update's outcome ----

def _drafts(session: Session, done: list[Plain]) -> None:
    """load_draft()'s locale and the turn's requester on each chat's draft, in one executemany."""
    drafts = session.info[DRAFTS]
    changed = [p for p in done if (drafts[p.chat_id].locale, drafts[p.chat_id].requester_id) != (p.locale, p.requester.id)]
    if not changed:
        return
    at = now()
    table = TelegramDraft.__table__
    session.execute(update(table).where(table.c.chat_id == bindparam("chat")).values(
        locale=bindparam("locale"), requester_id=bindparam("requester"), updated_at=at),
        [{"chat": p.chat_id, "locale": p.locale, "requester": p.requester.id} for p in changed])
    for p in changed:
        for name, value in (("locale", p.locale), ("requester_id", p.requester.id), ("updated_at", at)):
            set_committed_value(drafts[p.chat_id], name, value)


def _processed(session: Session, done: list[Plain]) -> None:
    """_handle_row()'s bookkeeping on the stored updates, in one executemany."""
    at = now()
    table = InboundMessage.__table__
    session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
        state="processed", error=None, attempts=table.c.attempts + 1, processed_at=at),
        [{"row_id": p.row.id} for p in done])
    for p in done:
        for name, value in (("state", "processed"), ("error", None), ("attempts", (p.row.attempts or 0) + 1),
                            ("processed_at", at)):
            set_committed_value(p.row, name, value)
