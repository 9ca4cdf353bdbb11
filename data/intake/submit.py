"""Submitting a request: the one entry point every channel uses (portal, web-form API, email, Telegram).

    submit(session, requester, *, service_id, request_type_id=None, title, description="", values=None,
           checklist_confirmed=None, channel, attachments=None, at=None, description_html=None,
           auto_reply=True) -> Ticket

validates the form, applies routing, creates the ticket (data.tickets.actions.create), copies the checklist,
stores attachments, creates fan-out child cards, queues the service's auto-reply and notifies the
assignee — all in the caller's transaction. Bad input raises ValidationError whose `fields` maps a
field key ("title", "service", "request_type", "checklist", "attachments" or a form field key) to a
message for the person (shown in their language by the caller); nothing is written then.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from data.approvals import start as approval
from data.approvals.config import needs_approval
from data.tickets import attachments as files
from data.intake import fanout
from data.messaging import notify, outbox
from data.intake import requesters
from data.intake import routing
from data.tickets import actions as tickets
from data.errors import Text, ValidationError
from data.models import CHANNELS, RequestType, Requester, Service, Ticket
from data.intake.forms import clean_value, visible

log = logging.getLogger(__name__)


def validate(session: Session, request_type: RequestType, values: dict,
             checklist_confirmed: list | None = None) -> dict:
    """The cleaned form values of a request type, or ValidationError with a message per field.

    Unknown keys, wrong types and missing required values are errors; a field hidden by its show_when
    condition is neither required nor kept. `checklist_confirmed` lists the confirmed checklist items
    (by index or by text); every item with required_on_submit must be among them.
    """
    values = values if isinstance(values, dict) else {}
    schema = request_type.field_schema or []
    known = {f.get("key") for f in schema}
    errors: dict[str, Text] = {k: Text("form.unknown_field") for k in values if k not in known}
    cleaned: dict = {}
    for field in schema:  # in schema order, so a condition sees the fields above it
        key = field.get("key")
        if not visible(field, cleaned):
            continue
        value, problem = clean_value(field, values.get(key))
        if problem:
            errors[key] = problem
        elif value is None and field.get("required"):  # a required checkbox must be ticked
            errors[key] = Text("form.required")
        elif value is not None:
            cleaned[key] = value
    confirmed = set()
    for item in checklist_confirmed or []:
        confirmed.add(str(item))
    missing = [i for i, item in enumerate(request_type.checklist or [])
               if isinstance(item, dict) and item.get("required_on_submit")
               and str(i) not in confirmed and str(item.get("text")) not in confirmed]
    if missing:
        errors["checklist"] = Text("form.checklist")
    if errors:
        raise ValidationError("form.invalid", errors)
    return cleaned


def confirmed_indexes(request_type: RequestType | None, checklist_confirmed: list | None) -> set[int]:
    wanted = {str(c) for c in checklist_confirmed or []}
    return {i for i, item in enumerate((request_type.checklist if request_type else None) or [])
            if str(i) in wanted or (isinstance(item, dict) and str(item.get("text")) in wanted)}


def service_and_type(session: Session, service_id, request_type_id) -> tuple[Service, RequestType | None]:
    try:
        service = session.get(Service, int(service_id)) if service_id not in (None, "") else None
    except (TypeError, ValueError):
        service = None
    if service is None or not service.is_active:
        raise ValidationError("form.service", {"service": Text("form.service")})
    rt = None
    if request_type_id not in (None, ""):
        try:
            rt = session.get(RequestType, int(request_type_id))
        except (TypeError, ValueError):
            rt = None
        if rt is None or rt.service_id != service.id or not rt.is_active:
            raise ValidationError("form.type", {"request_type": Text("form.type")})
    # No type is fine: an email or a Telegram message doesn't say which form it is (the portal asks for one).
    return service, rt


def submit(session: Session, requester: Requester, *, service_id: int, request_type_id: int | None = None,
           title: str, description: str = "", values: dict | None = None, checklist_confirmed: list | None = None,
           channel: str, attachments: list[dict] | None = None, at: datetime | None = None,
           description_html: str | None = None, auto_reply: bool = True) -> Ticket:
    """Create a request from any channel. See the module docstring; `attachments` is a list of
    {"filename", "content" (bytes), "content_type"?, "field"? (a file field's key)}. An email keeps
    its HTML body (`description_html`); with `auto_reply` False (a mailing list, a mail loop) the
    service's auto-reply is written on the ticket but not sent.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    service, rt = service_and_type(session, service_id, request_type_id)
    if not routing.domain_allowed(service, requesters.addresses(session, requester.id)):
        domains = ", ".join(service.allowed_domains)
        raise ValidationError("form.domain", {"service": Text("form.domain", domains=domains)}, domains=domains)
    checked = files.check(attachments or [])
    if values is not None and not isinstance(values, dict):
        raise ValidationError("form.invalid", {"values": Text("errors.field.values_object")})
    values = dict(values or {})
    if rt is not None:
        for field in rt.field_schema or []:
            if field.get("type") == "file":
                names = [f["filename"] for f in checked if f["field"] == field.get("key")]
                if names:
                    values[field["key"]] = names
        cleaned = validate(session, rt, values, checklist_confirmed)
    elif values:
        raise ValidationError("form.invalid", {k: Text("form.unknown_field") for k in values})
    else:
        cleaned = {}
    title = (title or "").replace("\x00", "").strip() or (rt.name if rt else service.name)
    r = routing.route(session, service, rt, cleaned)
    if r.board_id is None:
        raise ValidationError("errors.service_no_board", {"service": Text("errors.field.no_board")},
                              service=service.name)
    # A type that needs approval: the card may wait in a "waiting" column meanwhile (data/approvals/start.py).
    column_id, lane_id, back = approval.placement(session, rt, r.board_id, r.column_id, r.lane_id)
    ticket = tickets.create(session, requester, title=title, board_id=r.board_id, column_id=column_id,
                            lane_id=lane_id, description=description, requester_id=requester.id, channel=channel,
                            service_id=service.id, request_type_id=rt.id if rt else None, priority_id=r.priority_id,
                            assignee_id=r.assignee_id, team_id=r.team_id, fields=cleaned, card_type=r.card_type, at=at,
                            description_html=description_html)
    if rt is not None:
        fanout.add_checklist(session, ticket, rt.checklist or [], confirmed_indexes(rt, checklist_confirmed), at)
    files.store(session, ticket, checked)
    if needs_approval(rt):
        approval.start(session, ticket, rt, back, at)  # child cards come once approved (fanout.on_approved)
    else:
        fanout.create_children(session, ticket, rt, at)
    _auto_reply(session, ticket, service, requester, at, send=auto_reply)
    notify.notify_assignee(session, ticket)
    log.info("request #%s submitted by requester %s via %s (service %s, type %s, assignee %s)", ticket.number,
             requester.id, channel, service.code, rt.code if rt else None, ticket.assignee_id)
    return ticket


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def _auto_reply(session: Session, ticket: Ticket, service: Service, requester: Requester, at, send: bool) -> None:
    """The service's "we got it" message, as a system comment delivered to the requester's channel."""
    template = (service.auto_reply_template or "").strip()
    if not template:
        return
    body = template.format_map(_Blank(number=ticket.number, title=ticket.title, requester=requester.name,
                                      service=service.name))
    comment = tickets.comment(session, None, ticket.id, body, public=True, system=True, channel="agent", at=at)
    if send:
        outbox.mark_automatic(session, comment)
    else:
        outbox.withdraw(session, comment)
