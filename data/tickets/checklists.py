"""Checklists on a card: tick an item, add an item. Each change is an event and bumps the board."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import limits, permissions
from data.tickets import actions as tickets
from data.errors import NotFound, Text, ValidationError
from data.events import bump_revision, record
from data.models import ChecklistItem, User


def items(session: Session, ticket_id: int) -> list[ChecklistItem]:
    return list(session.scalars(select(ChecklistItem).where(ChecklistItem.ticket_id == ticket_id)
                                .order_by(ChecklistItem.position, ChecklistItem.id)))


def add(session: Session, actor: User, ticket_id: int, text: str, required: bool = False) -> ChecklistItem:
    permissions.require_staff_writer(actor, "errors.action.edit_checklists")
    ticket = tickets.get(session, actor, ticket_id)
    permissions.require_ticket_access(session, actor, ticket, "errors.action.edit_checklists")
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError("errors.checklist_item_empty", {"text": Text("errors.field.required")})
    limits.check(text, "checklist_item", "text")
    last = session.scalar(select(func.max(ChecklistItem.position)).where(ChecklistItem.ticket_id == ticket.id))
    item = ChecklistItem(ticket_id=ticket.id, text=text, required=required,
                         position=(last if last is not None else -1) + 1)
    session.add(item)
    session.flush()
    record(session, ticket, "checklist", actor, to_value=item.text, data={"item_id": item.id, "action": "added"})
    bump_revision(session, ticket.board_id, ticket.column_id)
    return item


def tick(session: Session, actor: User, item_id: int, done: bool) -> ChecklistItem:
    permissions.require_staff_writer(actor, "errors.action.edit_checklists")
    item = session.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound("errors.checklist_item_not_found", id=item_id)
    ticket = tickets.get(session, actor, item.ticket_id)
    permissions.require_ticket_access(session, actor, ticket, "errors.action.edit_checklists")
    if item.done == done:
        return item
    item.done = done
    item.done_by_id = actor.id if done else None
    item.done_at = datetime.now(timezone.utc) if done else None
    session.flush()
    record(session, ticket, "checklist", actor, to_value=item.text,
           data={"item_id": item.id, "action": "done" if done else "undone"})
    bump_revision(session, ticket.board_id, ticket.column_id)
    return item


def set_done(session: Session, actor: User, ticket_id: int, done_ids) -> int:
    """Make the ticket's ticked items exactly `done_ids` (the card's checkbox list as a whole);
    returns how many items changed. Ids of other tickets' items are ignored."""
    permissions.require_staff_writer(actor, "errors.action.edit_checklists")
    tickets.get(session, actor, ticket_id)
    wanted = set(done_ids or [])
    changed = 0
    for item in items(session, ticket_id):
        if item.done != (item.id in wanted):
            tick(session, actor, item.id, item.id in wanted)
            changed += 1
    return changed


def progress(session: Session, ticket_id: int) -> tuple[int, int]:
    """(done, total)."""
    done, total = session.execute(select(func.count().filter(ChecklistItem.done), func.count())
                                  .where(ChecklistItem.ticket_id == ticket_id)).one()
    return done, total
