"""A batch's Telegram replies written together: a private chat's text answering the bot's message about one
of the requester's own requests, no rule that would fire on the comment, becomes a comment on that request.

The requests are locked in id order; one multi-row INSERT each for the comments and their events; one
executemany for the tickets' `updated_at` (and version); one SLA recompute. What it writes is what
updates.handle() writes for the same update (tests/test_telegram_together.py). Called by together.take().
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data import limits
from data.automation import rules
from data.events import bump_revision
from data.models import Comment, Outbox, Ticket, TicketEvent
from data.sla import policies as sla_policies
from data.sla import store as sla_store

from ingest.common import now

if TYPE_CHECKING:
    from ingest.telegram.together import Plain


def would_fire(session: Session, trigger: str, active: list, probe, context: dict) -> bool:
    moment = session.info.get("okno_now") or now()
    return any(rules.trigger_matches(rule, trigger, probe, context) and rules.conditions_hold(session, rule, probe, moment)
               for rule in active)


def replies(session: Session, found: list[Plain]) -> list[Plain]:
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
        if commented and would_fire(session, "commented", commented, ticket, {"comment": mark}):
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
