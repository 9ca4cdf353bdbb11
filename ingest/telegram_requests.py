"""The bot's door to requests and requesters.

The portal's `data.requests.submit/validate` and `data.requesters.find_or_create_by_telegram`
are the single way in once they land on main; until then these adapters implement the same
signatures on top of `data.tickets.create`, and switch over automatically when the module exists.
"""
from __future__ import annotations

import hashlib
import importlib
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import tickets
from data.errors import NotFound, ValidationError
from data.models import Attachment, ChecklistItem, RequestType, Requester, RequesterIdentity, Service, Ticket


def portal(module: str, name: str):
    """The portal's function when it is on this branch, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise  # the module exists but is broken: say so rather than silently fall back
        return None


def visible(field: dict, values: dict) -> bool:
    """show_when: {"field": key, "equals": v} | {"field", "in": [...]} | {"field", "not_equals": v}."""
    cond = field.get("show_when") or {}
    if not cond.get("field"):
        return True
    actual = values.get(cond["field"])
    if "equals" in cond:
        return actual == cond["equals"]
    if "in" in cond:
        return actual in (cond["in"] or [])
    if "not_equals" in cond:
        return actual != cond["not_equals"]
    return True


def checklist_items(request_type: RequestType | None) -> list[tuple[int, str, bool]]:
    """(index, text, required_on_submit) for each checklist item (strings are not required)."""
    items = []
    for i, item in enumerate((request_type.checklist if request_type else None) or []):
        if isinstance(item, dict):
            items.append((i, str(item.get("text", "")), bool(item.get("required_on_submit"))))
        else:
            items.append((i, str(item), False))
    return items


def validate(session: Session, request_type: RequestType | None, values: dict,
             checklist_confirmed: list[int] | None = None) -> dict:
    """The values that count (visible fields only); raises ValidationError(fields) when incomplete."""
    theirs = portal("data.requests", "validate")
    if theirs is not None:
        return theirs(session, request_type, values, checklist_confirmed)
    errors, clean = {}, {}
    for field in (request_type.field_schema if request_type else None) or []:
        key = field.get("key")
        if not key or not visible(field, {**values, **clean}):
            continue
        value = values.get(key)
        if value in (None, "", []):
            if field.get("required") and field.get("type") != "checkbox":
                errors[key] = "required"
            continue
        if field.get("type") == "select" and field.get("options") and value not in field["options"]:
            errors[key] = "invalid"
            continue
        clean[key] = value
    for index, _text, required in checklist_items(request_type):
        if required and index not in (checklist_confirmed or []):
            errors[f"checklist.{index}"] = "required"
    if errors:
        raise ValidationError("The form is incomplete", errors)
    return clean


def submit(session: Session, requester: Requester, *, service_id: int, request_type_id: int | None = None,
           title: str, description: str = "", values: dict | None = None,
           checklist_confirmed: list[int] | None = None, channel: str, attachments: list[dict] | None = None,
           at: datetime | None = None) -> Ticket:
    """Create the request as a card on the service's board (attachments: filename, content_type, content)."""
    theirs = portal("data.requests", "submit")
    if theirs is not None:
        return theirs(session, requester, service_id=service_id, request_type_id=request_type_id, title=title,
                      description=description, values=values, checklist_confirmed=checklist_confirmed,
                      channel=channel, attachments=attachments, at=at)
    service = session.get(Service, service_id)
    if service is None or not service.is_active or service.board_id is None:
        raise NotFound("This service does not accept requests")
    request_type = session.get(RequestType, request_type_id) if request_type_id else None
    if request_type is not None and request_type.service_id != service.id:
        raise ValidationError("The request type belongs to another service", {"request_type": "invalid"})
    clean = validate(session, request_type, values or {}, checklist_confirmed)
    ticket = tickets.create(session, requester, title=title, board_id=service.board_id, column_id=service.column_id,
                            lane_id=service.lane_id, description=description, requester_id=requester.id,
                            channel=channel, service_id=service.id, request_type_id=request_type_id,
                            priority_id=request_type.default_priority_id if request_type else None,
                            team_id=service.team_id, fields=clean,
                            card_type=request_type.card_type if request_type else None, at=at)
    for index, text, required in checklist_items(request_type):
        session.add(ChecklistItem(ticket_id=ticket.id, text=text, position=index, required=required,
                                  done=index in (checklist_confirmed or []),
                                  done_at=(at or datetime.now(timezone.utc)) if index in (checklist_confirmed or []) else None))
    add_attachments(session, ticket, attachments)
    return ticket


def add_attachments(session: Session, ticket: Ticket, attachments: list[dict] | None, comment_id: int | None = None):
    for item in attachments or []:
        content = bytes(item["content"])
        session.add(Attachment(ticket_id=ticket.id, comment_id=comment_id, filename=item["filename"][:255],
                               content_type=item.get("content_type") or "application/octet-stream",
                               size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content))
    session.flush()


def find_or_create_by_telegram(session: Session, chat_id: str, name: str, username: str | None = None,
                               locale: str | None = None) -> Requester:
    """The requester behind a Telegram chat; a new chat becomes a new requester with that identity."""
    theirs = portal("data.requesters", "find_or_create_by_telegram")
    if theirs is not None:
        return theirs(session, chat_id, name, username=username)
    identity = session.scalar(select(RequesterIdentity).where(RequesterIdentity.channel == "telegram",
                                                              RequesterIdentity.address == str(chat_id)))
    if identity is not None:
        return identity.requester
    requester = Requester(name=(name or str(chat_id))[:200], locale=locale)
    session.add(requester)
    session.flush()
    # Telegram vouches for the chat: the identity is verified from the start.
    session.add(RequesterIdentity(requester_id=requester.id, channel="telegram", address=str(chat_id),
                                  display=f"@{username}" if username else None,
                                  verified_at=datetime.now(timezone.utc)))
    session.flush()
    return requester
