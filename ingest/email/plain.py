"""What a batch's set-based steps (new_tickets.py, replies.py) ask of a message before writing it with others.

A message is written together with others only when the per-message path (inbound.deliver) would take it
in without a special turn: no bounce, loop or bulk mail, a usable sender that is not Okno itself, no spam
sign, no file over the size limit (that one gets a refusal note). The rest of the checks read the
database once for the whole batch (hourly counts, rows received before content hashes were kept,
the senders' requesters).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.errors import ValidationError
from data.intake import requesters
from data.models import Comment, InboundMessage, Requester, RequesterIdentity, Ticket

from ingest.common import now
from ingest.email import quarantine, thread
from ingest.email.parse import ParsedEmail


def sender(mail: ParsedEmail | None, own: set[str], cfg) -> str | None:
    """The sender's normalised address when nothing about the message itself needs the per-message path."""
    if mail is None or mail.bounce or mail.loop.skip_reason or not mail.from_address:
        return None
    if thread.plain_address(mail.from_address) in own or mail.from_address == cfg.mail_from.lower():
        return None
    if quarantine.spam_sign(mail.headers) or any(len(f.content) > cfg.max_attachment_bytes for f in mail.attachments):
        return None
    try:
        return requesters.normalise_email(mail.from_address)
    except ValidationError:
        return None


def legacy(session: Session, external_ids: list[str]) -> set[str]:
    """Message-IDs received before content hashes were kept, with a ticket (inbound.deliver's `earlier`)."""
    return set(session.scalars(select(InboundMessage.external_id).where(
        InboundMessage.channel == "email", InboundMessage.external_id.in_(external_ids),
        InboundMessage.ticket_id.is_not(None), InboundMessage.content_hash.is_(None))))


def recent(session: Session, addresses: set[str]) -> dict[str, int]:
    """inbound._recent_from() for every sender of the batch: tickets and email comments of the last hour."""
    since = now() - timedelta(hours=1)
    ident = select(RequesterIdentity.address, RequesterIdentity.requester_id).where(
        RequesterIdentity.channel == "email", RequesterIdentity.address.in_(addresses)).subquery()
    made = select(ident.c.address, func.count()).join(Ticket, Ticket.requester_id == ident.c.requester_id).where(
        Ticket.created_at >= since).group_by(ident.c.address)
    said = select(ident.c.address, func.count()).join(Comment, Comment.author_requester_id == ident.c.requester_id).where(
        Comment.channel == "email", Comment.created_at >= since).group_by(ident.c.address)
    counts: dict[str, int] = {}
    for stmt in (made, said):
        for address, n in session.execute(stmt):
            counts[address] = counts.get(address, 0) + n
    return counts


def requesters_of(session: Session, addresses: set[str]) -> dict[str, Requester]:
    """{address: requester} of the senders who are requesters already."""
    rows = session.execute(select(RequesterIdentity.address, Requester).join(
        Requester, Requester.id == RequesterIdentity.requester_id).where(
        RequesterIdentity.channel == "email", RequesterIdentity.address.in_(addresses)))
    return {address: requester for address, requester in rows}
