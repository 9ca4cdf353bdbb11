"""Bridges to the portal's service functions, used when they are on main (feat/portal), with fallbacks.

`data.requests.submit` is the one entry point for new requests from every channel (routing,
checklists, fan-out, the service's auto-reply); `data.requesters.find_or_create_by_email` finds
the person. Until they land, the fallbacks below do the minimum: tickets.create and an identity row.
"""
from __future__ import annotations

import importlib

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data import outbox, tickets
from data.models import Comment, Outbox, Requester, Service, Ticket

from . import email_thread
from .email_parse import ParsedAttachment


def _portal(module: str, name: str):
    try:
        return getattr(importlib.import_module(f"data.{module}"), name, None)
    except ImportError:
        return None


def find_or_create_requester(session: Session, address: str, name: str) -> Requester:
    portal = _portal("requesters", "find_or_create_by_email")
    if portal is not None:
        return portal(session, address, name or None)
    return email_thread.find_or_create_requester(session, address, name)


def submit(session: Session, requester: Requester, service: Service, *, title: str, description: str,
           description_html: str | None, attachments: list[ParsedAttachment], reply_to: dict,
           auto_reply: bool) -> tuple[Ticket, bool]:
    """A new request from an email. Returns (ticket, attachments stored by submit)."""
    portal = _portal("requests", "submit")
    if portal is not None:
        files = [{"filename": f.filename, "content": f.content, "content_type": f.content_type} for f in attachments]
        ticket = portal(session, requester, service_id=service.id, title=title, description=description,
                        channel="email", attachments=files)
        ticket.description_html = description_html
        if not auto_reply:  # a mailing list or an inbox-rule loop: the service's auto-reply must not go out
            ids = select(Comment.id).where(Comment.ticket_id == ticket.id, Comment.is_system)
            session.execute(delete(Outbox).where(Outbox.comment_id.in_(ids), Outbox.state == "queued"))
        return ticket, True
    ticket = tickets.create(session, None, title=title, description=description, description_html=description_html,
                            board_id=service.board_id, column_id=service.column_id, lane_id=service.lane_id,
                            team_id=service.team_id, requester_id=requester.id, channel="email",
                            service_id=service.id)
    if service.auto_reply_template and auto_reply:
        text = service.auto_reply_template.format_map(_Values(number=ticket.number, title=ticket.title,
                                                              requester=requester.name, service=service.name))
        outbox.queue(session, channel="email", kind="auto_reply", recipient=requester.email or "", body=text,
                     subject=f"[#{ticket.number}] {ticket.title}", ticket=ticket, payload=reply_to)
    return ticket, False


class _Values(dict):
    def __missing__(self, key):  # an unknown placeholder in an admin's template stays as written
        return "{" + key + "}"
