"""Bulk actions on the ticket list: one action on many tickets, each through its single-ticket service.

Every ticket goes through the same service function a click on its card calls (tickets.assign, tickets.move,
tickets.set_priority, tags.add/remove), so permissions, events, hooks (SLA, rules, notifications) and outbox
rows are exactly those of doing it by hand. Each ticket runs in its own savepoint: a refused one (another
team's ticket, a hard WIP limit, a stale version) is rolled back alone and reported with its reason, the
others stay done. The caller commits once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from data import permissions
from data.errors import NotFound, OknoError, Text, ValidationError
from data.events import defer_revisions, flush_revisions
from data.i18n import N_
from data.models import BoardColumn, COLUMN_KINDS, Ticket, User
from data.tickets import actions as tickets
from data.tickets import tags as ticket_tags

log = logging.getLogger(__name__)

MAX_TICKETS = 500
ACTIONS = ("assign", "status", "column", "priority", "close", "add_tag", "remove_tag")
ACTION_LABELS = {"assign": N_("bulk.action.assign"), "status": N_("bulk.action.status"),
                 "column": N_("bulk.action.column"), "priority": N_("bulk.action.priority"),
                 "close": N_("bulk.action.close"), "add_tag": N_("bulk.action.add_tag"),
                 "remove_tag": N_("bulk.action.remove_tag")}


@dataclass
class Outcome:
    """What a bulk action did: the numbers of the tickets changed, and (number, reason) of those refused."""
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, OknoError]] = field(default_factory=list)


def _ids(ticket_ids) -> list[int]:
    """Distinct positive ticket ids, in id order (one lock order for every bulk action: no deadlocks)."""
    out = set()
    for raw in ticket_ids or ():
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError("errors.bulk_bad_ticket", value=str(raw)[:40]) from None
        if value > 0:
            out.add(value)
    if not out:
        raise ValidationError("errors.bulk_nothing_selected")
    if len(out) > MAX_TICKETS:
        raise ValidationError("errors.bulk_too_many", limit=MAX_TICKETS, count=len(out))
    return sorted(out)


def _opt_id(value) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("errors.bulk_bad_value", {"value": Text("errors.field.invalid")}) from None


def _column_of_kind(session: Session, board_id: int, kind: str) -> int:
    """The first column (left to right) of this kind on the ticket's board: where "move to status" puts it."""
    column_id = session.scalar(select(BoardColumn.id).where(BoardColumn.board_id == board_id,
                                                            BoardColumn.kind == kind)
                               .order_by(BoardColumn.position, BoardColumn.id).limit(1))
    if column_id is None:
        raise NotFound("errors.bulk_no_column_of_kind", status=Text(f"status.{kind}"))
    return column_id


def _step(action: str, value):
    """The change for one ticket, as work(session, actor, ticket); checks the value once, up front."""
    if action == "assign":
        user_id = _opt_id(value)
        return lambda s, actor, t: tickets.assign(s, actor, t.id, user_id)
    if action == "priority":
        priority_id = _opt_id(value)
        return lambda s, actor, t: tickets.set_priority(s, actor, t.id, priority_id)
    if action in ("status", "close"):
        kind = "done" if action == "close" else str(value or "")
        if kind not in COLUMN_KINDS:
            raise ValidationError("errors.bulk_bad_value", {"value": Text("errors.field.invalid")})
        def move_to_kind(s, actor, t):
            if t.status == kind:
                return t  # already there: nothing to move (closing a closed ticket is not a refusal)
            return tickets.move(s, actor, t.id, _column_of_kind(s, t.board_id, kind), t.lane_id)
        return move_to_kind
    if action == "column":
        column_id = _opt_id(value)
        if column_id is None:
            raise ValidationError("errors.bulk_bad_value", {"value": Text("errors.field.invalid")})
        def move_to_column(s, actor, t):
            if t.column_id == column_id:
                return t
            column = s.get(BoardColumn, column_id)
            lane = t.lane_id if column is not None and column.board_id == t.board_id else None
            return tickets.move(s, actor, t.id, column_id, lane)
        return move_to_column
    if action in ("add_tag", "remove_tag"):
        names = ticket_tags.normalise(value)
        if not names:
            raise ValidationError("errors.bulk_bad_value", {"value": Text("errors.field.required")})
        change = ticket_tags.add if action == "add_tag" else ticket_tags.remove
        return lambda s, actor, t: change(s, actor, t.id, names)
    raise ValidationError("errors.bulk_bad_action", action=str(action)[:40])


def run(session: Session, actor: User, ticket_ids, action: str, value=None) -> Outcome:
    """Apply `action` (ACTIONS) with `value` (an agent's id, a status, a column id, a priority id, tags) to
    at most MAX_TICKETS tickets. Permission is checked per ticket by the service it goes through; a
    refusal is reported, never raised, unless the whole request is wrong (too many, bad action or value)."""
    permissions.require_staff_writer(actor, N_("errors.action.bulk"))
    ids = _ids(ticket_ids)
    work = _step(action, value)
    numbers = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).all())
    outcome = Outcome()
    defer_revisions(session)  # each board's revision once, at the end, not once per ticket
    try:
        for ticket_id in ids:
            number = numbers.get(ticket_id, ticket_id)
            try:
                with session.begin_nested():
                    work(session, actor, tickets.get(session, actor, ticket_id))
                outcome.done.append(number)
            except OknoError as err:
                outcome.refused.append((number, err))
            except DBAPIError as err:  # a database rule the services did not foresee: this ticket only
                log.warning("bulk %s refused on ticket %s by the database: %s", action, ticket_id, err.orig)
                outcome.refused.append((number, OknoError("errors.bulk_failed")))
    finally:
        flush_revisions(session)
    return outcome
