"""The new requests of an email batch, written set-based: a handful of statements for the whole batch.

After a holiday most of a batch is new requests. One at a time each costs ~17 statements (requester,
lock, top position, ticket, event, attachment, auto-reply comment, its event, its outbox row, SLA,
the raw row's outcome). Here the batch's plain new requests get, together:

- their requesters: one SELECT, one multi-row INSERT of the unknown ones and of their identities
  (`ON CONFLICT DO NOTHING`: a requester another worker just created wins, ours is dropped);
- the column locked once, positions min-1, min-2, … and numbers from the sequence, in message order;
- tickets, `created` events, attachments, participants, auto-reply comments, their `comment` events
  and outbox rows: one multi-row INSERT each (`INSERT … RETURNING` where ids are needed);
- the SLA of all of them in one recompute (data/sla/store.py is set-based already);
- each raw row's outcome (one UPDATE per row in one executemany).

What they write is what inbound.deliver() → submit() writes for the same message (tests/email/test_batch.py
compares the two). "Plain" is decided per message, in order, from what is already in memory or read once
per batch; anything else takes the per-message path after this step, as before:
a reply or anything with thread ids, our [#N] token or a plus-address (threading), a bounce, a loop,
bulk mail, spam, a blocked sender, a file over the size limit, a sender over the hourly limit, a
Message-ID seen before content hashes were kept, a rule that fires on `created` (or on the auto-reply's
`commented`). A service with allowed domains, routing that assigns, an agent lane, column fan-out:
the whole batch takes the per-message path. So does any later message of a sender once one of theirs
took the per-message path (their requester's name and hourly count then change in the same order as
one at a time), and a message an earlier reply in the batch already answers.

The one difference: tickets made here are numbered (and placed on the board) before the batch's
other new tickets (follow-ups, threads we did not know), not between them.

All of it runs in one savepoint: if anything fails, the batch's messages go the per-message way.
OKNO_EMAIL_SET_INTAKE=0 (Config.email_set_intake) turns this path off, and the replies' (replies.py).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Sequence

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data import batch, events, limits
from data.automation import rules
from data.config import get_config
from data.errors import ValidationError
from data.intake import requesters, together
from data.models import (Attachment, BlockedSender, InboundMessage, Requester, RequesterIdentity, Service, Ticket,
                         TicketEvent, TicketParticipant)
from data.sla import policies as sla_policies
from data.sla import store as sla_store
from data.tickets import actions as tickets
from data.tickets import status as statuses

from ingest.common import Outcome, now
from ingest.email import inbound, plain, thread
from ingest.email.parse import ParsedEmail

log = logging.getLogger(__name__)


def enabled() -> bool:
    return get_config().email_set_intake


@dataclass
class _New:
    index: int
    row: InboundMessage
    mail: ParsedEmail
    address: str
    copied: list[str]
    requester: Requester | None = None
    requester_name: str = ""  # as it was when this message came (the auto-reply names them)
    values: dict = field(default_factory=dict)


def take(session: Session, source: str, raws: Sequence[bytes], ids: Sequence[tuple],
         placed: dict[int, InboundMessage]) -> dict[int, Outcome]:
    """Create the plain new requests of a batch set-based; {position in the batch: outcome} of those taken."""
    if not enabled() or not placed:
        return {}
    mailbox, service = inbound._target(session, source)
    place = together.placement(session, service)
    if place is None:
        return {}
    own = mailbox.own_addresses() if mailbox else set()
    chosen = _choose(session, raws, ids, placed, own, place)
    if not chosen:
        return {}
    try:
        with session.begin_nested():
            outcomes = _create(session, place, chosen)
    except Exception:  # noqa: BLE001 — the per-message path handles (and explains) every message instead
        log.warning("set-based intake of %d messages failed; one by one instead", len(chosen), exc_info=True)
        session.info.pop(requesters.IDENTITIES, None)  # it may hold identities the rollback took away
        return {}
    return outcomes


def _plain(mail: ParsedEmail | None, own: set[str], cfg) -> str | None:
    """The sender's address when this message can only be a new request (checks needing no database)."""
    if mail is None or mail.thread_ids or thread.TOKEN.search(mail.subject or ""):
        return None
    if any(thread.plain_address(a) != a and thread.plain_address(a) in own for a in mail.to + mail.cc):
        return None
    return plain.sender(mail, own, cfg)


def _choose(session: Session, raws: Sequence[bytes], ids: Sequence[tuple], placed: dict[int, InboundMessage], own: set[str],
            place: together.Placement) -> list[_New]:
    cfg = get_config()
    first = {i: _plain(ids[i][2], own, cfg) if i in placed and len(raws[i]) <= cfg.max_message_bytes
             else None for i in range(len(ids))}
    addresses = {a for a in first.values() if a}
    if not addresses:
        return []
    blocked = _blocked(session, addresses)
    asked = session.info.get(inbound.LEGACY)
    legacy = set(asked[1]) if asked is not None else \
        plain.legacy(session, [placed[i].external_id for i, a in first.items() if a])
    live = not session.info.get("email_import")
    recent = plain.recent(session, addresses) if live else {}
    known = plain.requesters_of(session, addresses)
    created_rules = rules._active(session, "created")
    commented_rules = rules._active(session, "commented") if (place.service.auto_reply_template or "").strip() else []
    chosen: list[_New] = []
    tainted: set[str] = set()   # senders with a message on the per-message path: their later ones follow it
    answered: set[str] = set()  # Message-IDs that earlier messages of the per-message path answer
    for i in range(len(ids)):
        mail, address = ids[i][2], first[i]
        ok = bool(address) and address not in tainted and (mail.message_id or "") not in answered \
            and address not in blocked and "@" + address.rsplit("@", 1)[1] not in blocked \
            and placed[i].external_id not in legacy
        if ok and live:
            ok = recent.get(address, 0) < inbound.SENDER_LIMIT_PER_HOUR
        if ok:
            ok = not _rule_fires(session, place, known.get(address), created_rules, commented_rules)
        if ok:
            recent[address] = recent.get(address, 0) + 1
            copied = sorted({a for a in mail.to + mail.cc if thread.plain_address(a) not in own and a != mail.from_address})
            chosen.append(_New(i, placed[i], mail, address, copied))
            continue
        if mail is not None:
            answered.update(mail.thread_ids)
            if mail.from_address:
                tainted.add(address or mail.from_address.lower())
                try:
                    tainted.add(requesters.normalise_email(mail.from_address))
                except ValidationError:
                    pass
    return chosen


def _blocked(session: Session, addresses: set[str]) -> set[str]:
    patterns = addresses | {"@" + a.rsplit("@", 1)[1] for a in addresses}
    return set(session.scalars(select(BlockedSender.pattern).where(BlockedSender.pattern.in_(patterns))))


def _rule_fires(session: Session, place: together.Placement, requester: Requester | None, created: list, commented: list) -> bool:
    """Would a rule fire on this new ticket (or on its auto-reply)? Such a message takes the per-message path."""
    if not created and not commented:
        return False
    probe = SimpleNamespace(id=None, service_id=place.service.id, request_type_id=None, priority_id=place.priority_id,
                            channel="email", fields={}, requester_id=requester.id if requester else None,
                            column_id=place.column.id, board_id=place.column.board_id)
    moment = session.info.get("okno_now") or now()
    auto_reply = SimpleNamespace(author_requester_id=None, author_user_id=None, is_system=True, is_public=True)
    return any(rules.trigger_matches(rule, "created", probe, {}) and rules.conditions_hold(session, rule, probe, moment)
               for rule in created) or \
        any(rules.trigger_matches(rule, "commented", probe, {"comment": auto_reply})
            and rules.conditions_hold(session, rule, probe, moment) for rule in commented)


def _resolve_requesters(session: Session, chosen: list[_New]) -> None:
    """requesters.find_or_create_by_email() for the whole batch, in message order."""
    known = plain.requesters_of(session, {n.address for n in chosen})
    fresh: dict[str, Requester] = {}
    for n in chosen:
        if n.address not in known and n.address not in fresh:
            fresh[n.address] = Requester(name=(n.mail.from_name or "").strip()[:200] or n.address, email=n.address)
    if fresh:
        session.add_all(fresh.values())
        session.flush()  # one multi-row INSERT … RETURNING
        claimed = set(session.scalars(pg_insert(RequesterIdentity).values(
            [{"requester_id": r.id, "channel": "email", "address": a, "display": None} for a, r in fresh.items()])
            .on_conflict_do_nothing(index_elements=["channel", "address"]).returning(RequesterIdentity.address)))
        lost = [a for a in fresh if a not in claimed]  # another worker created them meanwhile: theirs wins
        for address in lost:
            session.delete(fresh.pop(address))
        if lost:
            session.flush()
            known.update(plain.requesters_of(session, set(lost)))
        known.update(fresh)
        # Their server defaults came back expired: read them now, all at once, not one by one on a reply.
        session.scalars(select(Requester).where(Requester.id.in_([r.id for r in fresh.values()]))
                        .execution_options(populate_existing=True)).all()
        identities = session.info.get(requesters.IDENTITIES)
        if identities is not None:
            for ident in session.scalars(select(RequesterIdentity).where(
                    RequesterIdentity.channel == "email", RequesterIdentity.address.in_(list(fresh)))):
                identities[("email", ident.address)] = ident
    for n in chosen:
        requester = n.requester = known[n.address]
        name = n.mail.from_name
        if name and requester.name == requester.email and name.strip():
            requester.name = name.strip()[:200]  # a real name beats the address we used as one
        n.requester_name = requester.name


def _create(session: Session, place: together.Placement, chosen: list[_New]) -> dict[int, Outcome]:
    _resolve_requesters(session, chosen)
    service, column = place.service, place.column
    tickets.lock_placement(session, column)
    top = tickets._top_position(session, column)  # the first card goes to min - 1, the next above it …
    cfg = get_config()
    rows = []
    for k, n in enumerate(chosen):
        when = now()
        title = inbound.new_title(n.mail, n.requester.locale).replace("\x00", "").strip() or service.name
        n.values = {"when": when, "title": title}
        rows.append({"title": title, "description": inbound.body_of(n.mail, n.requester.locale).replace("\x00", ""),
                     "description_html": limits.html(n.mail.html), "board_id": column.board_id,
                     "column_id": column.id, "lane_id": place.lane_id, "status": column.kind,
                     "requester_id": n.requester.id, "channel": "email", "service_id": service.id,
                     "request_type_id": None, "priority_id": place.priority_id, "assignee_id": None,
                     "team_id": place.team_id, "fields": {}, "parent_id": None, "card_type": place.card_type,
                     "created_at": when, "updated_at": when, "position": top - k, "started_at": None,
                     "resolved_at": None,
                     **statuses.entering(column.kind, from_status=None, column_changed=True, started=False, when=when)})
    made = session.execute(insert(Ticket).returning(Ticket.id, Ticket.number, sort_by_parameter_order=True),
                           rows).all()
    for n, (ticket_id, number) in zip(chosen, made):
        n.values.update(id=ticket_id, number=number)
    history = [{"ticket_id": n.values["id"], "kind": "created", "actor_user_id": None,
                "actor_requester_id": n.requester.id, "at": n.values["when"], "board_id": column.board_id,
                "to_column_id": column.id, "to_lane_id": place.lane_id, "to_status": column.kind, "to_user_id": None}
               for n in chosen]
    files = [{"ticket_id": n.values["id"], "comment_id": None, "filename": f.filename[:255],
              "content_type": f.content_type[:120], "size": len(f.content),
              "sha256": hashlib.sha256(f.content).hexdigest(), "content": f.content}
             for n in chosen for f in n.mail.attachments if len(f.content) <= cfg.max_attachment_bytes]
    copied = [{"ticket_id": n.values["id"], "address": a[:254]} for n in chosen for a in n.copied]
    session.execute(insert(TicketEvent), history)
    if files:
        session.execute(insert(Attachment), files)
    if copied:
        session.execute(pg_insert(TicketParticipant).values(copied)
                        .on_conflict_do_nothing(index_elements=["ticket_id", "address"]))
    _auto_replies(session, service, chosen)
    events.bump_revision(session, column.board_id, column.id)
    policies = sla_policies.for_session(session)
    if policies.policies:  # recompute_ticket() writes nothing for a new ticket when no policy exists
        sla_store.recompute(session, [n.values["id"] for n in chosen], policies, session.info.get("okno_now"))
    # The tickets as the session's objects, in one query: a reply later in the batch finds its ticket here.
    batch.keep(session, *session.scalars(select(Ticket).where(Ticket.id.in_([n.values["id"] for n in chosen]))))
    outcomes = {}
    for n in chosen:
        row, outcome = n.row, Outcome("processed", ticket_id=n.values["id"], created=True, inbound_id=n.row.id)
        row.state, row.error, row.attempts = "processed", None, (row.attempts or 0) + 1
        row.reason_key, row.reason_args, row.ticket_id, row.comment_id = None, None, n.values["id"], None
        row.processed_at = now()
        outcomes[n.index] = outcome
    session.flush()
    log.info("%d email requests submitted set-based (service %s)", len(chosen), service.code)
    return outcomes


def _auto_replies(session: Session, service: Service, chosen: list[_New]) -> None:
    """The service's auto-reply to each new request (data/intake/together.py); none sent to a loop."""
    together.auto_replies(session, service, "email", [
        together.NewRequest(n.values["id"], n.values["number"], n.values["title"], n.values["when"], n.requester.id,
                            n.requester_name, quiet=n.mail.loop.no_auto_reply) for n in chosen])
