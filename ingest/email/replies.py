"""The replies of an email batch (comments on open tickets), written set-based.

One at a time a reply costs ~12 statements (savepoint, requester, threading, ticket, its lock, comment,
event, participants, the raw row's outcome, SLA); with 30% replies in the mix they were two thirds of
the writing process's time once new requests were written together (new_tickets.py). Here the batch's
plain replies get, together: threading in one query (Message-IDs) and one more for ticket numbers
(token, plus-address); their tickets loaded and locked in one `SELECT … FOR UPDATE` (id order); the
existing comments and participants they depend on read once; then one multi-row INSERT each for
comments, `comment` events, files and participants, one UPDATE for the tickets' `updated_at` and
version (one bump per reply, as one at a time), the board revisions with the batch's, the SLA of all
touched tickets in one recompute (a requester's message starts a next-response clock or lets a
"waiting" one go on: the clock is computed from the history, so written together it is the same), and
the raw rows' outcomes in one executemany.

"Plain" mirrors inbound.deliver() → _comment() for the requester's own reply, someone copied on the
thread, and a stranger (whose message becomes an internal note, as one at a time): a placed raw row,
parsed, not a bounce, loop, bulk mail or spam, no file over the limit, a sender who is a requester
already, not blocked, not over the hourly limit, no Message-ID seen before content hashes were kept;
threaded to a ticket that is not done (reopening and follow-ups stay per message), with no email
comment of the same Message-ID yet; no rule that fires on the comment; and only the two hook handlers
we mirror (SLA, rules) listening to `commented` — a feature that adds one turns this step off until it
is mirrored here.

Order: every message the per-message path takes later in the batch is written after these, so a reply
joins the set only when nothing earlier in the batch could change what it finds — its sender and its
ticket have no earlier message on the per-message path, no earlier message answers it, and every
Message-ID it answers that belongs to this batch is already written (a new request taken together, or
a reply of this set). Otherwise it goes the per-message way after them, as before.

All of it runs in one savepoint: if anything fails, these replies go the per-message way.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data import batch, events, hooks, limits
from data.automation import rules
from data.config import get_config
from data.errors import ValidationError
from data.intake import blocklist, requesters
from data.models import (Attachment, Comment, InboundMessage, Requester, Ticket, TicketEvent,
                         TicketParticipant)
from data.sla import policies as sla_policies
from data.sla import recompute as sla_recompute
from data.sla import store as sla_store
from data.tickets import status as statuses

from ingest.common import Outcome, now
from ingest.email import inbound, plain, thread
from ingest.email.parse import ParsedEmail

log = logging.getLogger(__name__)

# What hooks.fire(session, "commented", …) runs today, and this step writes itself.
MIRRORED_HOOKS = {(sla_recompute.__name__, "_on_ticket_change"), (rules.__name__, "_on_ticket_change")}

_BUMP = text("""
UPDATE tickets t SET updated_at = v.at, version = t.version + v.n
FROM unnest(CAST(:ids AS bigint[]), CAST(:n AS int[]), CAST(:at AS timestamptz[])) AS v(id, n, at)
WHERE t.id = v.id RETURNING t.id, t.version""")


@dataclass
class _Reply:
    index: int
    row: InboundMessage
    mail: ParsedEmail
    requester: Requester
    ticket: Ticket
    on_thread: bool  # the requester, or someone copied on the thread: a public comment
    body: str
    copied: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


@dataclass
class _Batch:
    """What the batch's candidates need from the database, read once."""
    by_mid: dict[str, int]               # Message-ID → ticket, of messages written before this batch's replies
    by_number: dict[int, int]            # ticket number → ticket
    tickets: dict[int, Ticket]           # loaded and locked
    commented: set[str]                  # external ids already on a ticket as an email comment
    participants: set[tuple[int, str]]   # (ticket, address) on the thread
    legacy: set[str]
    recent: dict[str, int]
    identities: dict


def take(session: Session, source: str, raws: Sequence[bytes], ids: Sequence[tuple],
         placed: dict[int, InboundMessage], taken: dict[int, Outcome]) -> dict[int, Outcome]:
    """Write the plain replies of a batch set-based (after new_tickets.take(), whose messages are `taken`);
    {position in the batch: outcome} of those written."""
    if not get_config().email_set_intake or not placed or not _hooks_mirrored():
        return {}
    mailbox, _service = inbound._target(session, source)
    own = mailbox.own_addresses() if mailbox else set()
    chosen: list[_Reply] = []
    try:
        # The reads lock tickets: inside the savepoint, so that a lock wait that ends in an error (a deadlock
        # with another worker) sends these replies the per-message way instead of failing the batch.
        with session.begin_nested():
            chosen = _choose(session, raws, ids, placed, taken, own)
            outcomes = _write(session, chosen) if chosen else {}
    except Exception:  # noqa: BLE001 — the per-message path handles (and explains) every message instead
        log.warning("set-based intake of %d replies failed; one by one instead", len(chosen), exc_info=True)
        for reply in chosen:
            session.expire(reply.ticket)  # its version and SLA columns as the database has them again
        return {}
    return outcomes


def _hooks_mirrored() -> bool:
    hooks._load()
    handlers = [*hooks._handlers.get("commented", ()), *hooks._handlers.get("*", ())]
    return {(h.__module__, h.__name__) for h in handlers} <= MIRRORED_HOOKS


def _candidate(mail: ParsedEmail | None, own: set[str], cfg) -> str | None:
    """The sender's address when the message might be a plain reply (checks needing no database)."""
    if mail is None or not (mail.thread_ids or thread.TOKEN.search(mail.subject or "")
                            or thread.address_numbers(mail.to + mail.cc, own)):
        return None
    address = plain.sender(mail, own, cfg)
    # is_known() compares the address as written: only a normalised one is sure to compare alike.
    return address if address == mail.from_address else None


def _read(session: Session, mails: list[ParsedEmail], candidates: dict[int, tuple], placed: dict[int, InboundMessage],
          own: set[str]) -> _Batch:
    """The batch's reads, once. Threading is read for every message not yet written, not only the candidates:
    the tickets a message on the per-message path may touch are off limits to the replies after it."""
    by_mid = thread.tickets_by_message_ids(session, sorted({m for mail in mails for m in mail.thread_ids}))
    numbers = {n for mail in mails for n in thread.token_numbers(mail.subject) + thread.address_numbers(mail.to + mail.cc, own)}
    by_number = thread.tickets_by_numbers(session, sorted(numbers))
    wanted = {by_mid[m] for _i, (mail, _a) in candidates.items() for m in mail.thread_ids if m in by_mid} | \
        {by_number[n] for _i, (mail, _a) in candidates.items()
         for n in thread.token_numbers(mail.subject) + thread.address_numbers(mail.to + mail.cc, own) if n in by_number}
    tickets = {t.id: t for t in session.scalars(
        select(Ticket).where(Ticket.id.in_(wanted)).order_by(Ticket.id).with_for_update()
        .execution_options(populate_existing=True))} if wanted else {}
    external_ids = [placed[i].external_id for i in candidates]
    commented = set(session.scalars(select(Comment.external_id).where(
        Comment.channel == "email", Comment.external_id.in_(external_ids))))
    addresses = {a for _m, a in candidates.values()}
    participants = set(session.execute(select(TicketParticipant.ticket_id, TicketParticipant.address).where(
        TicketParticipant.ticket_id.in_(list(tickets)), TicketParticipant.address.in_(addresses))).all()) \
        if tickets else set()
    asked = session.info.get(inbound.LEGACY)
    legacy = set(asked[1]) if asked is not None else plain.legacy(session, external_ids)
    recent = plain.recent(session, addresses) if not session.info.get("email_import") else {}
    identities = session.info.get(requesters.IDENTITIES)
    if identities is None:
        identities = {("email", a): SimpleNamespace(requester_id=r.id)
                      for a, r in plain.requesters_of(session, addresses).items()}
    return _Batch(by_mid, by_number, tickets, commented, participants, legacy, recent, identities)


def _choose(session: Session, raws: Sequence[bytes], ids: Sequence[tuple], placed: dict[int, InboundMessage],
            taken: dict[int, Outcome], own: set[str]) -> list[_Reply]:
    cfg = get_config()
    candidates = {}
    for i in placed:
        if i not in taken and len(raws[i]) <= cfg.max_message_bytes:
            address = _candidate(ids[i][2], own, cfg)
            if address:
                candidates[i] = (ids[i][2], address)
    if not candidates:
        return []
    found = _read(session, [m for i, (_e, _k, m) in enumerate(ids) if m is not None and i not in taken],
                  candidates, placed, own)
    # Where each Message-ID of this batch is (positions of placed rows): its thread is written or not yet.
    positions: dict[str, list[int]] = {}
    for i, row in placed.items():
        mid = ids[i][2].message_id if ids[i][2] is not None else None
        if mid:
            positions.setdefault(mid, []).append(i)
    commented_rules = rules._active(session, "commented")
    moment = session.info.get("okno_now") or now()
    live = not session.info.get("email_import")
    later_new = _later_new_requests(ids, taken)
    chosen: list[_Reply] = []
    mine: dict[int, int] = {}                  # position → ticket, of replies in this set
    added: set[tuple[int, str]] = set()        # participants this set adds, in order
    said: dict[str, int] = {}                  # this set's replies so far, per sender (the hourly limit)
    tainted_senders: set[str] = set()
    tainted_tickets: set[int] = set()
    answered: set[str] = set()                 # Message-IDs earlier messages of the batch answer
    for i in range(len(ids)):
        mail = ids[i][2]
        reply = None
        if i in candidates and (mail.message_id or "") not in answered and candidates[i][1] not in tainted_senders:
            reply = _reply(session, i, placed[i], mail, candidates[i][1], found, own, positions, mine, taken,
                           added, commented_rules, moment)
        if reply is not None and reply.ticket.id in tainted_tickets:
            reply = None
        if reply is not None and live:
            address = candidates[i][1]
            count = found.recent.get(address, 0) - later_new.get((address, i), 0) + said.get(address, 0)
            if count >= inbound.SENDER_LIMIT_PER_HOUR:
                reply = None
        if mail is not None:
            answered.update(mail.thread_ids)
        if reply is not None:
            chosen.append(reply)
            mine[i] = reply.ticket.id
            added.update((reply.ticket.id, a) for a in reply.copied)
            said[candidates[i][1]] = said.get(candidates[i][1], 0) + 1
            continue
        if i in taken or mail is None:
            continue
        # The per-message path takes this one after the set: what it may touch is off limits to later replies.
        if mail.from_address:
            tainted_senders.add(mail.from_address.lower())
            try:
                tainted_senders.add(requesters.normalise_email(mail.from_address))
            except ValidationError:
                pass
        tainted_tickets.update(_touches(mail, found, own, positions, mine))
    return chosen


def _later_new_requests(ids: Sequence[tuple], taken: dict[int, Outcome]) -> dict[tuple[str, int], int]:
    """{(sender, position): how many of the sender's new requests taken together come after it}: they are
    in the hourly count read after they were written, but one at a time they would come later."""
    out: dict[tuple[str, int], int] = {}
    by_sender: dict[str, list[int]] = {}
    for j in sorted(taken):
        mail = ids[j][2]
        if mail is not None and mail.from_address:
            by_sender.setdefault(mail.from_address.lower(), []).append(j)
    for i, (_e, _k, mail) in enumerate(ids):
        if mail is not None and mail.from_address and mail.from_address.lower() in by_sender:
            out[(mail.from_address.lower(), i)] = sum(1 for j in by_sender[mail.from_address.lower()] if j > i)
    return out


def _touches(mail: ParsedEmail, found: _Batch, own: set[str], positions: dict, mine: dict) -> set[int]:
    """Every ticket a message on the per-message path might thread to (more is safe, fewer is not)."""
    tickets = {found.by_mid[m] for m in mail.thread_ids if m in found.by_mid}
    tickets |= {mine[j] for m in mail.thread_ids for j in positions.get(m, ()) if j in mine}
    tickets |= {found.by_number[n] for n in thread.token_numbers(mail.subject) + thread.address_numbers(mail.to + mail.cc, own)
                if n in found.by_number}
    return tickets


def _thread(i: int, mail: ParsedEmail, found: _Batch, own: set[str], positions: dict, mine: dict,
            taken: dict) -> int | None:
    """thread.find_ticket() as it would answer one at a time, or None when that cannot be known yet."""
    for mid in mail.thread_ids:
        here = positions.get(mid)
        if here:  # a message of this batch: written already (taken together, or a reply of this set) or not yet
            if len(here) != 1 or here[0] >= i:
                return None
            j = here[0]
            if j in mine:
                return mine[j]
            if j in taken and mid in found.by_mid:
                return found.by_mid[mid]
            return None
        if mid in found.by_mid:
            return found.by_mid[mid]
    # Numbers: each must exist now (one made earlier in the batch one at a time would be missed here).
    for number in thread.token_numbers(mail.subject) + thread.address_numbers(mail.to + mail.cc, own):
        return found.by_number.get(number)
    return None


def _reply(session: Session, i: int, row: InboundMessage, mail: ParsedEmail, address: str, found: _Batch,
           own: set[str], positions: dict, mine: dict, taken: dict, added: set, commented_rules: list,
           moment) -> _Reply | None:
    if row.external_id in found.legacy or row.external_id in found.commented:
        return None
    if blocklist.blocked(session, mail.from_address):
        return None
    ident = found.identities.get(("email", address))
    if ident is None:  # a new requester would be made: the per-message path does that
        return None
    ticket_id = _thread(i, mail, found, own, positions, mine, taken)
    ticket = found.tickets.get(ticket_id) if ticket_id is not None else None
    if ticket is None or ticket.status == statuses.DONE:
        return None
    requester = session.get(Requester, ident.requester_id)
    own_reply = ticket.requester_id == requester.id
    on_thread = own_reply or (ticket.id, address) in found.participants or (ticket.id, address) in added
    body = inbound.body_of(mail, requester.locale).replace("\x00", "")
    try:
        body = limits.check(body.strip() if own_reply else body, "text", "body")
    except ValidationError:
        return None
    if not body.strip() and own_reply:  # tickets.comment() refuses an empty message
        return None
    probe = SimpleNamespace(author_requester_id=requester.id, author_user_id=None, is_system=False,
                            is_public=on_thread)
    if any(rules.trigger_matches(rule, "commented", ticket, {"comment": probe})
           and rules.conditions_hold(session, rule, ticket, moment) for rule in commented_rules):
        return None
    copied = sorted({a for a in mail.to + mail.cc if thread.plain_address(a) not in own and a != mail.from_address}) \
        if on_thread else []
    return _Reply(i, row, mail, requester, ticket, on_thread, body, copied)


def _write(session: Session, chosen: list[_Reply]) -> dict[int, Outcome]:
    comments, bumps = [], {}
    for r in chosen:
        name = r.mail.from_name
        if name and r.requester.name == r.requester.email and name.strip():
            r.requester.name = name.strip()[:200]  # a real name beats the address we used as one
        when = r.values["when"] = now()
        stranger = r.ticket.requester_id != r.requester.id
        comments.append({"ticket_id": r.ticket.id, "body": r.body, "body_html": limits.html(r.mail.html),
                         "is_public": r.on_thread, "is_system": False, "channel": "email",
                         "external_id": r.row.external_id, "created_at": when,
                         "from_unknown_sender": stranger and not r.on_thread, "author_user_id": None,
                         "author_requester_id": r.requester.id, "delivery_state": "none"})
        n, _at = bumps.get(r.ticket.id, (0, when))
        bumps[r.ticket.id] = (n + 1, when)
    comment_ids = session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), comments).all()
    cfg = get_config()
    history, files, copied = [], [], []
    for r, comment_id in zip(chosen, comment_ids):
        r.values["comment_id"] = comment_id
        data = {"comment_id": comment_id, "system": False}
        if r.ticket.requester_id != r.requester.id:  # comment_from_thread() says whether it knew them
            data["unknown_sender"] = not r.on_thread
        history.append({"ticket_id": r.ticket.id, "kind": "comment", "actor_user_id": None,
                        "actor_requester_id": r.requester.id, "at": r.values["when"],
                        "to_value": "public" if r.on_thread else "internal", "data": data})
        files += [{"ticket_id": r.ticket.id, "comment_id": comment_id, "filename": f.filename[:255],
                   "content_type": f.content_type[:120], "size": len(f.content),
                   "sha256": hashlib.sha256(f.content).hexdigest(), "content": f.content}
                  for f in r.mail.attachments if len(f.content) <= cfg.max_attachment_bytes]
        copied += [{"ticket_id": r.ticket.id, "address": a[:254]} for a in r.copied]
    session.execute(insert(TicketEvent), history)
    if files:
        session.execute(insert(Attachment), files)
    if copied:
        unique = list({(c["ticket_id"], c["address"]): c for c in copied}.values())
        session.execute(pg_insert(TicketParticipant).values(unique)
                        .on_conflict_do_nothing(index_elements=["ticket_id", "address"]))
    ticket_ids = sorted(bumps)
    versions = dict(session.execute(_BUMP, {"ids": ticket_ids, "n": [bumps[t][0] for t in ticket_ids],
                                            "at": [bumps[t][1] for t in ticket_ids]}).all())
    tickets = {r.ticket.id: r.ticket for r in chosen}
    for ticket in tickets.values():
        events.bump_revision(session, ticket.board_id, ticket.column_id)
    outcomes = {}
    for r in chosen:
        outcome = Outcome("processed", ticket_id=r.ticket.id, comment_id=r.values["comment_id"], inbound_id=r.row.id)
        if not r.on_thread:
            outcome.reason, outcome.reason_key = f"from an unknown sender {r.mail.from_address}", "ingest.reason.unknown_sender"
            outcome.reason_args = {"sender": r.mail.from_address}
        row = r.row
        row.state, row.error, row.attempts = outcome.state, outcome.reason, (row.attempts or 0) + 1
        row.reason_key, row.reason_args = outcome.reason_key, outcome.reason_args
        row.ticket_id, row.comment_id, row.processed_at = r.ticket.id, outcome.comment_id, now()
        outcomes[r.index] = outcome
    session.flush()
    policies = sla_policies.for_session(session)
    # recompute_ticket() skips a ticket when no policy exists and none was recorded on it.
    timed = [t for t in ticket_ids if policies.policies or tickets[t].sla_policy_id is not None]
    sla = sla_store.recompute(session, timed, policies, session.info.get("okno_now")) if timed else {}
    # Last, when nothing can fail any more: the loaded tickets as the database now has them.
    for ticket_id, ticket in tickets.items():
        set_committed_value(ticket, "version", versions[ticket_id])
        set_committed_value(ticket, "updated_at", bumps[ticket_id][1])
        if ticket_id in sla:
            sla_recompute.refresh(ticket, sla[ticket_id])
    batch.keep(session)
    log.info("%d email replies written set-based", len(chosen))
    return outcomes


__all__ = ["take"]
