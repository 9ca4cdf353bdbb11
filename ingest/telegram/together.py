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

What they write is what updates.handle() writes for the same update (tests/test_telegram_together.py
compares the two). Only the first update of a chat in the batch can be taken, so a chat's later updates
(on the per-update path, after this) see it done. The one difference: requests made here are numbered
before the batch's other new requests, not between them.

All of it runs in one savepoint: if anything fails, every update goes the per-update way.
OKNO_TELEGRAM_SET_INTAKE=0 turns this path off.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from telegram import Update

from data import limits
from data.automation import rules
from data.config import get_config
from data.events import bump_revision
from data.i18n import translate
from data.intake import requesters
from data.intake.submit import _Blank
from data.messaging import outbox
from data.models import (Comment, InboundMessage, Outbox, Requester, RequesterIdentity, TelegramDraft, Ticket,
                         TicketEvent)
from data.sla import policies as sla_policies
from data.sla import store as sla_store
from data.tickets import actions as tickets
from data.tickets import status as statuses

from ingest.common import now
from ingest.email.new_tickets import _placement  # where a service places a card when that is fixed
from ingest.telegram import preload
from ingest.telegram.flow import file_of
from ingest.telegram.turn import DRAFTS, locale_of

log = logging.getLogger("okno.telegram")


def enabled() -> bool:
    return os.environ.get("OKNO_TELEGRAM_SET_INTAKE", "1") != "0"


@dataclass
class _Plain:
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


def _plain(bot_id: int, rows: list[InboundMessage], parsed: list[Update | None], drafts: dict) -> list[_Plain]:
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
        found.append(_Plain(row, chat_id, locale_of(sender.language_code), text, message.message_id,
                            sender.full_name, f"@{sender.username.lstrip('@')}" if sender.username else None,
                            replied))
    return found


def _write(session: Session, found: list[_Plain]) -> dict[int, list[int]]:
    _requesters(session, found)
    replies = _replies(session, [p for p in found if p.replied_to is not None])
    news = _news(session, [p for p in found if p.replied_to is None and p.requester is not None])
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


def _requesters(session: Session, found: list[_Plain]) -> None:
    """requesters.find_or_create_by_telegram() and note_locale() for the whole batch."""
    known = session.info.get(requesters.IDENTITIES) or {}
    fresh: dict[str, Requester] = {}
    for p in found:
        ident = known.get(("telegram", p.chat_id))
        if ident is None:
            if p.replied_to is None:  # a reply from an unknown chat can't be about one of its requests
                fresh[p.chat_id] = Requester(name=(p.name or "").strip()[:200] or p.display or f"Telegram {p.chat_id}",
                                             locale=p.locale)
            continue
        if p.display and ident.display != p.display:
            ident.display = p.display
        if ident.unreachable_at is not None:  # they write again: replies may go to the chat again
            ident.unreachable_at = ident.unreachable_reason = None
        p.requester = session.get(Requester, ident.requester_id)
        requesters.note_locale(p.requester, p.locale)
    if not fresh:
        return
    session.add_all(fresh.values())
    session.flush()  # one multi-row INSERT … RETURNING
    claimed = set(session.scalars(pg_insert(RequesterIdentity).values(
        [{"requester_id": r.id, "channel": "telegram", "address": chat,
          "display": next(p.display for p in found if p.chat_id == chat)} for chat, r in fresh.items()])
        .on_conflict_do_nothing(index_elements=["channel", "address"]).returning(RequesterIdentity.address)))
    lost = [chat for chat in fresh if chat not in claimed]  # another worker took the chat meanwhile
    for chat in lost:
        session.delete(fresh.pop(chat))
        known.pop(("telegram", chat), None)  # the per-update path reads the winner
    if lost:
        session.flush()
    for ident in session.scalars(select(RequesterIdentity).where(
            RequesterIdentity.channel == "telegram", RequesterIdentity.address.in_(list(fresh)))):
        known[("telegram", ident.address)] = ident
    for p in found:
        if p.chat_id in fresh:
            p.requester = fresh[p.chat_id]


def _would_fire(session: Session, trigger: str, active: list, probe, context: dict) -> bool:
    moment = session.info.get("okno_now") or now()
    return any(rules.trigger_matches(rule, trigger, probe, context) and rules.conditions_hold(session, rule, probe, moment)
               for rule in active)


# ---- replies: comments on the requester's own requests ----

def _replies(session: Session, found: list[_Plain]) -> list[_Plain]:
    found = [p for p in found if p.requester is not None]
    if not found:
        return []
    keys = {(p.chat_id, str(p.replied_to)) for p in found}
    about: dict[tuple[str, str], set[int]] = {}
    for chat, message, ticket_id in session.execute(select(Outbox.recipient, Outbox.external_id, Outbox.ticket_id).where(
            Outbox.channel == "telegram", tuple_(Outbox.recipient, Outbox.external_id).in_(list(keys)),
            Outbox.ticket_id.is_not(None))):
        about.setdefault((chat, message), set()).add(ticket_id)
    wanted = {p.row.id: next(iter(about[k])) for p in found
              if len(about.get(k := (p.chat_id, str(p.replied_to)), ())) == 1}
    if not wanted:
        return []
    locked = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(set(wanted.values())))
                                               .order_by(Ticket.id).with_for_update())}
    commented = rules._active(session, "commented")
    chosen, used = [], set()
    for p in found:
        ticket = locked.get(wanted.get(p.row.id))
        if ticket is None or ticket.requester_id != p.requester.id or ticket.id in used:
            continue  # not theirs (the per-update path makes it a new request), or a second reply to it
        body = p.text.replace("\x00", "").strip()
        if len(body) > limits.limit("text"):
            continue
        mark = SimpleNamespace(author_requester_id=p.requester.id, author_user_id=None, is_system=False, is_public=True)
        if commented and _would_fire(session, "commented", commented, ticket, {"comment": mark}):
            continue
        used.add(ticket.id)
        p.ticket = ticket
        p.values = {"when": now(), "body": body, "payload": {},
                    "answer": p.t("tg.commented", number=ticket.number)}
        chosen.append(p)
    if not chosen:
        return []
    rows = [{"ticket_id": p.ticket.id, "body": p.values["body"], "body_html": None, "is_public": True,
             "is_system": False, "channel": "telegram", "external_id": f"{p.chat_id}:{p.message_id}",
             "created_at": p.values["when"], "from_unknown_sender": False, "author_user_id": None,
             "author_requester_id": p.requester.id} for p in chosen]
    ids = session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), rows).all()
    session.execute(insert(TicketEvent), [
        {"ticket_id": p.ticket.id, "kind": "comment", "actor_user_id": None, "actor_requester_id": p.requester.id,
         "at": p.values["when"], "to_value": "public", "data": {"comment_id": comment_id, "system": False}}
        for p, comment_id in zip(chosen, ids)])
    table = Ticket.__table__  # ticket.updated_at = when, as the ORM writes it: the version goes up too
    session.execute(update(table).where(table.c.id == bindparam("ticket_id"))
                    .values(updated_at=bindparam("when"), version=table.c.version + 1),
                    [{"ticket_id": p.ticket.id, "when": p.values["when"]} for p in chosen])
    for p in chosen:
        set_committed_value(p.ticket, "updated_at", p.values["when"])
        set_committed_value(p.ticket, "version", p.ticket.version + 1)
        bump_revision(session, p.ticket.board_id, p.ticket.column_id)
    _sla(session, [p.ticket for p in chosen])
    return chosen


def _sla(session: Session, touched: list[Ticket]) -> None:
    """The SLA recompute hook of each ticket, in one call (nothing to write without policies on them)."""
    policies = sla_policies.for_session(session)
    ids = [t.id for t in touched if policies.policies or t.sla_policy_id is not None]
    if ids:
        sla_store.recompute(session, ids, policies, session.info.get("okno_now"))
        for ticket in touched:  # the ticket's SLA columns were written behind the ORM: read them again if asked
            session.expire(ticket, ["sla_policy_id", "first_response_due_at", "resolution_due_at",
                                    "sla_first_response_breached", "sla_resolution_breached", "sla_due_at",
                                    "sla_at_risk_at"])


# ---- new requests in the default service ----

def _service(session: Session):
    """flow.default_service() for the batch."""
    from ingest.telegram import flow
    return flow.default_service(SimpleNamespace(session=session))


def _news(session: Session, found: list[_Plain]) -> list[_Plain]:
    if not found:
        return []
    if preload.articles(session):
        from data import kb  # a message the knowledge base may answer is held for suggestions: per update
        found = [p for p in found if not kb.suggest(session, p.text.strip(), 5)]
    service = _service(session)
    place = _placement(session, service) if found and service is not None else None
    if place is None:
        return []
    created = rules._active(session, "created")
    template = (service.auto_reply_template or "").strip()
    commented = rules._active(session, "commented") if template else []
    chosen = []
    for p in found:
        title = re.sub(r"\s+", " ", (p.text.strip().splitlines() or [""])[0])[:120].replace("\x00", "").strip()
        description = p.text.strip().replace("\x00", "")
        if not title or len(description) > limits.limit("text"):
            continue
        if created or commented:
            probe = SimpleNamespace(id=None, service_id=service.id, request_type_id=None, priority_id=place.priority_id,
                                    channel="telegram", fields={}, requester_id=p.requester.id,
                                    column_id=place.column.id, board_id=place.column.board_id)
            system = SimpleNamespace(author_requester_id=None, author_user_id=None, is_system=True, is_public=True)
            if _would_fire(session, "created", created, probe, {}) or \
                    _would_fire(session, "commented", commented, probe, {"comment": system}):
                continue
        p.values = {"when": now(), "title": title, "description": description, "payload": {"reply_to": p.message_id}}
        chosen.append(p)
    if chosen:
        _create(session, place, chosen)
    return chosen


def _create(session: Session, place, chosen: list[_Plain]) -> None:
    service, column = place.service, place.column
    tickets.lock_placement(session, column)
    top = tickets._top_position(session, column)  # the first card goes to min - 1, the next above it …
    # One update at a time, the auto-reply's comment touches the new ticket (updated_at): its version is 2.
    version = 2 if (service.auto_reply_template or "").strip() else 1
    rows = []
    for k, p in enumerate(chosen):
        v = p.values
        rows.append({"version": version, "title": v["title"], "description": v["description"], "description_html": None,
                     "board_id": column.board_id, "column_id": column.id, "lane_id": place.lane_id,
                     "status": column.kind, "requester_id": p.requester.id, "channel": "telegram",
                     "service_id": service.id, "request_type_id": None, "priority_id": place.priority_id,
                     "assignee_id": None, "team_id": place.team_id, "fields": {}, "parent_id": None,
                     "card_type": place.card_type, "created_at": v["when"], "updated_at": v["when"],
                     "position": top - k, "started_at": None, "resolved_at": None,
                     **statuses.entering(column.kind, from_status=None, column_changed=True, started=False,
                                         when=v["when"])})
    table = Ticket.__table__  # (Core: the ORM's bulk INSERT would set every version to 1)
    made = session.execute(insert(table).returning(table.c.id, table.c.number, sort_by_parameter_order=True),
                           rows).all()
    for p, (ticket_id, number) in zip(chosen, made):
        p.values.update(id=ticket_id, number=number, answer=p.t("tg.created", number=number, title=p.values["title"]))
    session.execute(insert(TicketEvent), [
        {"ticket_id": p.values["id"], "kind": "created", "actor_user_id": None, "actor_requester_id": p.requester.id,
         "at": p.values["when"], "board_id": column.board_id, "to_column_id": column.id, "to_lane_id": place.lane_id,
         "to_status": column.kind, "to_user_id": None} for p in chosen])
    _auto_replies(session, service, chosen)
    bump_revision(session, column.board_id, column.id)
    policies = sla_policies.for_session(session)
    if policies.policies:  # recompute_ticket() writes nothing for a new ticket when no policy exists
        sla_store.recompute(session, [p.values["id"] for p in chosen], policies, session.info.get("okno_now"))


def _auto_replies(session: Session, service, chosen: list[_Plain]) -> None:
    """submit._auto_reply() for each request: the system comment, its event, the reply queued where
    outbox.requester_address() says (the chat, for a request made in Telegram)."""
    template = (service.auto_reply_template or "").strip()
    if not template:
        return
    reachable: dict[int, list[tuple[str, str]]] = {}
    for requester_id, channel, address in session.execute(
            select(RequesterIdentity.requester_id, RequesterIdentity.channel, RequesterIdentity.address)
            .where(RequesterIdentity.requester_id.in_({p.requester.id for p in chosen}),
                   RequesterIdentity.unreachable_at.is_(None)).order_by(RequesterIdentity.id)):
        reachable.setdefault(requester_id, []).append((channel, address))
    replies = []
    for p in chosen:
        v = p.values
        v["reply"] = limits.check(template.format_map(_Blank(number=v["number"], title=v["title"],
                                                             requester=p.requester.name, service=service.name))
                                  .replace("\x00", "").strip(), "text", "body")
        v["target"] = outbox.pick_address("telegram", reachable.get(p.requester.id, []))
        replies.append({"ticket_id": v["id"], "body": v["reply"], "body_html": None, "is_public": True, "is_system": True,
                        "channel": "agent", "external_id": None, "created_at": v["when"], "from_unknown_sender": False,
                        "author_user_id": None, "author_requester_id": None,
                        "delivery_state": "queued" if v["target"] else "none"})
    comment_ids = session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), replies).all()
    session.execute(insert(TicketEvent), [
        {"ticket_id": p.values["id"], "kind": "comment", "actor_user_id": None, "actor_requester_id": None,
         "at": p.values["when"], "to_value": "public", "data": {"comment_id": comment_id, "system": True}}
        for p, comment_id in zip(chosen, comment_ids)])
    sending = [(p, comment_id) for p, comment_id in zip(chosen, comment_ids) if p.values["target"]]
    if not sending:
        return
    session.execute(insert(Outbox), [
        {"channel": p.values["target"][0], "kind": "auto_reply", "recipient": p.values["target"][1],
         "body": p.values["reply"], "subject": f"{outbox.token(p.values['number'])} {p.values['title']}",
         "ticket_id": p.values["id"], "comment_id": comment_id, "payload": {"auto_submitted": True}}
        for p, comment_id in sending])


# ---- what every taken update leaves: the draft, the stored update's outcome ----

def _drafts(session: Session, done: list[_Plain]) -> None:
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


def _processed(session: Session, done: list[_Plain]) -> None:
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
