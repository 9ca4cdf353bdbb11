"""Free-form tags on a ticket: normalised, written with a `field` event (data={"field": "tags"}).

A tag is trimmed, lower-case, its inner spaces collapsed, at most MAX_LENGTH characters; a ticket has at
most MAX_TAGS of them, kept sorted so that "the same tags" is one value. Agents, managers and admins edit
the tags of the tickets they may change (the same rule as any other field); the list filters on them
through the GIN index on tickets.tags.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data import hooks, permissions
from data.errors import Text, ValidationError
from data.events import Actor, bump_revision, record
from data.i18n import N_
from data.models import Ticket, User
from data.tickets import actions as tickets

MAX_LENGTH = 40
MAX_TAGS = 20
ACTION = N_("errors.action.edit_tags")


def normalise_one(raw) -> str:
    """One tag as stored: "  VPN   Офис " → "vpn офис" ("" for nothing)."""
    return " ".join(str(raw or "").replace("\x00", "").split()).lower()


def normalise(raw) -> list[str]:
    """Tags as stored: each normalised, empty ones and repeats dropped, sorted. A comma separates tags in
    typed text ("vpn, офис"). Refuses a tag longer than MAX_LENGTH and more than MAX_TAGS tags."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    tags = sorted({t for t in (normalise_one(x) for x in items) if t})
    long = [t for t in tags if len(t) > MAX_LENGTH]
    if long:
        raise ValidationError("errors.tag_too_long", {"tags": Text("errors.field.invalid")},
                              tag=long[0][:MAX_LENGTH] + "…", limit=MAX_LENGTH)
    if len(tags) > MAX_TAGS:
        raise ValidationError("errors.too_many_tags", {"tags": Text("errors.field.invalid")}, limit=MAX_TAGS)
    return tags


def set_tags(session: Session, actor: Actor, ticket_id: int, tags) -> Ticket:
    """Replace the ticket's tags; records a `field` event (from → to, with what was added and removed)
    and fires `field_changed` (field="tags") for the rules. Nothing is written when nothing changes."""
    if actor is not None:
        permissions.require_staff_writer(actor, ACTION)
    new = normalise(tags)
    ticket = tickets.get(session, actor, ticket_id, for_update=True)
    if isinstance(actor, User):
        permissions.require_ticket_access(session, actor, ticket, ACTION)
    old = sorted(ticket.tags or [])
    if new == old:
        return ticket
    ticket.tags, ticket.updated_at = new, tickets.now()
    session.flush()
    record(session, ticket, "field", actor, from_value=", ".join(old), to_value=", ".join(new),
           data={"field": "tags", "added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new))})
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "field_changed", ticket, actor, field="tags")
    return ticket


def add(session: Session, actor: Actor, ticket_id: int, tags) -> Ticket:
    """Add tags to those the ticket has (bulk "add tag")."""
    ticket = tickets.get(session, actor, ticket_id)
    return set_tags(session, actor, ticket_id, list(ticket.tags or []) + normalise(tags))


def remove(session: Session, actor: Actor, ticket_id: int, tags) -> Ticket:
    """Remove tags from the ticket (bulk "remove tag"); a tag it doesn't have is ignored."""
    ticket = tickets.get(session, actor, ticket_id)
    gone = set(normalise(tags))
    return set_tags(session, actor, ticket_id, [t for t in ticket.tags or [] if t not in gone])

