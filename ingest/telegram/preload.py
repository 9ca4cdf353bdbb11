"""What a batch of updates reads once instead of once per update: the chats' drafts (locked), their
requesters and identities, the default service and whether the knowledge base has anything to suggest.

One update at a time, each turn inserted its chat's draft, locked it, read the chat's identity and
requester, the default service by code and ran the knowledge-base search: ~8 statements before any work.
Here the whole batch's chats cost four (identities with requesters; drafts inserted, then locked in
chat order, so two workers never wait on each other in a cycle). The per-update code finds them in
`session.info` (turn.load_draft, requesters._identity, flow.default_service, suggest.offer) and reads
as before when they are absent (a webhook host handles one update without a batch).
"""
from __future__ import annotations

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session
from telegram import Update

from data import batch
from data.intake import requesters
from data.models import Article, Requester, RequesterIdentity, TelegramDraft

from ingest.telegram.turn import DRAFTS, locale_of, new_nonce

# The chats' missing drafts, one array per column (a statement prepared once; a multi-row VALUES was
# compiled anew for every batch). The other columns take their defaults, as the ORM's insert gave them.
NEW_DRAFTS = text("""
    INSERT INTO telegram_drafts (chat_id, nonce, locale, step, data)
    SELECT u.chat_id, u.nonce, u.locale, 'idle', '{}'::jsonb
      FROM unnest(CAST(:chats AS varchar[]), CAST(:nonces AS varchar[]), CAST(:locales AS varchar[]))
           AS u(chat_id, nonce, locale)
    ON CONFLICT (chat_id) DO NOTHING""")
SERVICE = "okno_telegram_service"    # the default service (or None), looked up once
ARTICLES = "okno_telegram_articles"  # does any published article exist for requesters?
KEYS = (DRAFTS, SERVICE, ARTICLES)


def sender_chat(update: Update | None):
    """(chat, sender) of an update the turn code will handle (updates.handle builds a Turn for it), else None."""
    if update is None:
        return None
    query = update.callback_query
    if query is not None:
        return (query.message.chat, query.from_user) if query.message is not None and query.from_user else None
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    return message.chat, message.from_user


def load(session: Session, updates: list[Update | None]) -> None:
    """Read (and lock) what the batch's turns need, into session.info for the length of the batch."""
    chats: dict[str, str] = {}
    for update in updates:
        found = sender_chat(update)
        if found is not None:
            chats.setdefault(str(found[0].id), locale_of(found[1].language_code))
    if not chats:
        return
    rows = session.execute(select(RequesterIdentity, Requester).join(
        Requester, Requester.id == RequesterIdentity.requester_id).where(
        RequesterIdentity.channel == "telegram", RequesterIdentity.address.in_(list(chats)))).all()
    batch.keep(session, *(obj for row in rows for obj in row))
    known = session.info.setdefault(requesters.IDENTITIES, {})
    known.update({("telegram", chat): None for chat in chats})  # None: nobody yet (created on first use)
    known.update({("telegram", ident.address): ident for ident, _r in rows})
    ordered = sorted(chats.items())
    session.execute(NEW_DRAFTS, {"chats": [chat for chat, _l in ordered], "locales": [locale for _c, locale in ordered],
                                 "nonces": [new_nonce() for _c in ordered]})
    drafts = session.scalars(select(TelegramDraft).where(TelegramDraft.chat_id.in_(list(chats)))
                             .order_by(TelegramDraft.chat_id).with_for_update()).all()
    batch.keep(session, *drafts)
    session.info[DRAFTS] = {draft.chat_id: draft for draft in drafts}


def articles(session: Session) -> bool:
    """Whether the knowledge base has any published article for requesters (read once per batch)."""
    if ARTICLES not in session.info:
        session.info[ARTICLES] = session.scalar(select(exists().where(
            Article.state == "published", Article.visibility == "requesters")))
    return session.info[ARTICLES]


def forget(session: Session) -> None:
    for key in (*KEYS, requesters.IDENTITIES):
        session.info.pop(key, None)
