"""Queueing outgoing messages. Rows are written in the caller's transaction with the change."""
from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Comment, Outbox, RequesterIdentity, Service, Ticket


def requester_address(session: Session, ticket: Ticket) -> tuple[str, str] | None:
    """(channel, address) to reach the requester: the channel they wrote from, else email."""
    if ticket.requester_id is None:
        return None
    identities = session.scalars(select(RequesterIdentity)
                                 .where(RequesterIdentity.requester_id == ticket.requester_id)
                                 .order_by(RequesterIdentity.id)).all()
    by_channel = {i.channel: i.address for i in identities}
    if ticket.channel == "telegram" and "telegram" in by_channel:
        return "telegram", by_channel["telegram"]
    if "email" in by_channel:
        return "email", by_channel["email"]
    if "telegram" in by_channel:
        return "telegram", by_channel["telegram"]
    return None


def queue(session: Session, *, channel: str, kind: str, recipient: str, body: str, subject: str | None = None,
          ticket: Ticket | None = None, comment: Comment | None = None, payload: dict | None = None) -> Outbox:
    row = Outbox(channel=channel, kind=kind, recipient=recipient, body=body, subject=subject,
                 ticket_id=ticket.id if ticket else None, comment_id=comment.id if comment else None,
                 payload=payload or {})
    session.add(row)
    return row


def queue_reply(session: Session, ticket: Ticket, comment: Comment) -> Outbox | None:
    """A public reply goes to the requester in the channel they used; the comment shows its state."""
    target = requester_address(session, ticket)
    if target is None:
        return None
    service = session.get(Service, ticket.service_id) if ticket.service_id else None
    if service is not None and not comment.is_system and (service.notify or {}).get("on_public_reply") is False:
        return None  # the service's admin turned reply delivery off (e.g. an ideas box answered in the portal)
    channel, address = target
    comment.delivery_state = "queued"
    return queue(session, channel=channel, kind="reply", recipient=address, body=comment.body,
                 subject=f"[#{ticket.number}] {ticket.title}", ticket=ticket, comment=comment)


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    """A file to send with an outbox row: `payload["attachments"]` is a list of these."""
    return {"filename": filename, "content_type": content_type, "content_b64": base64.b64encode(data).decode("ascii")}


def attachments(row: Outbox) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) of the files a row carries; the channel senders attach them."""
    return [(a["filename"], a.get("content_type") or "application/octet-stream", base64.b64decode(a["content_b64"]))
            for a in (row.payload or {}).get("attachments", [])]
