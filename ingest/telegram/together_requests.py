"""A batch's new Telegram requests written together: a private chat's plain text, idle, no command, nothing
the knowledge base would suggest, the default service placing every card the same way (email's rule,
ingest/email/new_tickets.py) and no rule that would fire, becomes a request in the default service.

Unknown chats' requesters and identities by one multi-row INSERT each (`ON CONFLICT DO NOTHING`: a chat
another worker just took goes the per-update way); the column locked once and positions min-1, min-2, …;
then one multi-row INSERT each for tickets, `created` events, the service's auto-reply comments, their
events and outbox rows; one SLA recompute for all. What it writes is what updates.handle() writes for the
same update (tests/test_telegram_together.py). Called by together.take().
"""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from data import limits
from data.automation import rules
from data.events import bump_revision
from data.intake import requesters, together
from data.models import Requester, RequesterIdentity, Ticket, TicketEvent
from data.sla import policies as sla_policies
from data.sla import store as sla_store
from data.tickets import actions as tickets
from data.tickets import status as statuses

from ingest.common import now
from ingest.telegram import preload
from ingest.telegram.together_replies import would_fire

if TYPE_CHECKING:
    from ingest.telegram.together import Plain


# New chats' identities, one array per column: a statement prepared once (a multi-row VALUES was compiled
# anew for every batch). `ON CONFLICT DO NOTHING`: a chat another worker just took is not ours.
NEW_IDENTITIES = text("""
    INSERT INTO requester_identities (requester_id, channel, address, display)
    SELECT u.requester_id, 'telegram', u.address, u.display
      FROM unnest(CAST(:requesters AS bigint[]), CAST(:chats AS varchar[]), CAST(:displays AS text[]))
           AS u(requester_id, address, display)
    ON CONFLICT (channel, address) DO NOTHING
    RETURNING address""")


def resolve_requesters(session: Session, found: list[Plain]) -> None:
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
    display = {p.chat_id: p.display for p in reversed(found)}  # the chat's first update's
    claimed = set(session.scalars(NEW_IDENTITIES, {"requesters": [r.id for r in fresh.values()],
                                                   "chats": list(fresh), "displays": [display[c] for c in fresh]}))
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



# ---- new requests in the default service ----

def _service(session: Session):
    """flow.default_service() for the batch."""
    from ingest.telegram import flow
    return flow.default_service(SimpleNamespace(session=session))


def news(session: Session, found: list[Plain]) -> list[Plain]:
    if not found:
        return []
    if preload.articles(session):
        from data import kb  # a message the knowledge base may answer is held for suggestions: per update
        found = [p for p in found if not kb.suggest(session, p.text.strip(), 5)]
    service = _service(session)
    place = together.placement(session, service) if found and service is not None else None
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
            if would_fire(session, "created", created, probe, {}) or \
                    would_fire(session, "commented", commented, probe, {"comment": system}):
                continue
        p.values = {"when": now(), "title": title, "description": description, "payload": {"reply_to": p.message_id}}
        chosen.append(p)
    if chosen:
        _create(session, place, chosen)
    return chosen


def _create(session: Session, place: together.Placement, chosen: list[Plain]) -> None:
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
    together.auto_replies(session, service, "telegram", [
        together.NewRequest(p.values["id"], p.values["number"], p.values["title"], p.values["when"], p.requester.id,
                            p.requester.name) for p in chosen])
    bump_revision(session, column.board_id, column.id)
    policies = sla_policies.for_session(session)
    if policies.policies:  # recompute_ticket() writes nothing for a new ticket when no policy exists
        sla_store.recompute(session, [p.values["id"] for p in chosen], policies, session.info.get("okno_now"))
