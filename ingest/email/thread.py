"""Finding the ticket a message belongs to (who the sender is to it: data/tickets/participants.py).

Threading uses our token `[#1234]` in the subject and the Message-IDs in In-Reply-To and
References — the ids of our outgoing messages (outbox.external_id), of earlier incoming replies
(comments.external_id) and of the message that opened the ticket (inbound_messages). Never the
subject text alone: "Re: printer" from two people is two tickets.
"""
from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from data.messaging.outbox import TOKEN
from data.models import Comment, InboundMessage, Outbox, Ticket


def ticket_by_message_ids(session: Session, ids: list[str]) -> int | None:
    """The ticket of the nearest known message among `ids` (nearest first)."""
    if not ids:
        return None
    known = union_all(
        select(Outbox.external_id.label("mid"), Outbox.ticket_id.label("ticket_id"))
        .where(Outbox.external_id.in_(ids), Outbox.ticket_id.is_not(None)),
        select(Comment.external_id, Comment.ticket_id).where(Comment.channel == "email", Comment.external_id.in_(ids)),
        select(InboundMessage.external_id, InboundMessage.ticket_id)
        .where(InboundMessage.channel == "email", InboundMessage.external_id.in_(ids),
               InboundMessage.ticket_id.is_not(None)),
    ).subquery()
    found = {mid: ticket_id for mid, ticket_id in session.execute(select(known.c.mid, known.c.ticket_id))}
    return next((found[mid] for mid in ids if mid in found), None)


def ticket_by_token(session: Session, subject: str) -> int | None:
    for number in TOKEN.findall(subject or ""):
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == int(number)))
        if ticket_id is not None:
            return ticket_id
    return None


def find_ticket(session: Session, message_ids: list[str], subject: str) -> int | None:
    return ticket_by_message_ids(session, message_ids) or ticket_by_token(session, subject)
