"""Finding the ticket a message belongs to (who the sender is to it: data/tickets/participants.py).

Threading uses, in this order: the Message-IDs in In-Reply-To and References — the ids of our
outgoing messages (outbox.external_id), of earlier incoming replies (comments.external_id) and of the
message that opened the ticket (inbound_messages); our token `[#1234]` in the subject, whatever the
client put around it ("RE: Re: FW:", "Ответ:", "Отв:", "ПЕРЕСЛ:", "AW:", "WG:", "[# 1234]"); and the
reply address `help+1234@…` of a mailbox that sends with plus-addressing. Never the subject text
alone: "Re: printer" from two people is two tickets.
"""
from __future__ import annotations

import re

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from data.models import Comment, InboundMessage, Outbox, Ticket

# "[#1234]" as we send it, and as clients and gateways return it: "[# 1234]", "[Заявка #1234]", "[Ticket#1234]".
TOKEN = re.compile(r"\[[^\[\]#]{0,20}#\s*(\d{1,12})\s*\]")
# Reply and forward prefixes of mail clients in Russian, English and German, any number of them.
_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|ответ|отв|ha|пересл|пересылка|fw\[\d+\]|re\[\d+\])\s*:\s*)+",
                     re.IGNORECASE)
_PLUS = re.compile(r"^([^@+]+)\+(\d{1,12})@(.+)$")


def bare_subject(subject: str) -> str:
    """The subject without reply/forward prefixes and our token: the title of a follow-up ticket."""
    text = TOKEN.sub(" ", subject or "")
    previous = None
    while previous != text:
        previous, text = text, _PREFIX.sub("", text).strip()
    return re.sub(r"\s+", " ", text).strip()


def reply_address(base: str, number: int) -> str:
    """`help@example.com` for ticket 1234 → `help+1234@example.com`."""
    local, _at, domain = base.partition("@")
    return f"{local}+{number}@{domain}"


def plain_address(address: str) -> str:
    """`help+1234@example.com` → `help@example.com` (an own address with its ticket tag)."""
    found = _PLUS.match(address)
    return f"{found.group(1)}@{found.group(3)}" if found else address


def tickets_by_message_ids(session: Session, ids: list[str]) -> dict[str, int]:
    """{Message-ID: ticket} of the known messages among `ids`, in one query (a batch asks for all its replies)."""
    if not ids:
        return {}
    known = union_all(
        select(Outbox.external_id.label("mid"), Outbox.ticket_id.label("ticket_id"))
        .where(Outbox.external_id.in_(ids), Outbox.ticket_id.is_not(None)),
        select(Comment.external_id, Comment.ticket_id).where(Comment.channel == "email", Comment.external_id.in_(ids)),
        select(InboundMessage.external_id, InboundMessage.ticket_id)
        .where(InboundMessage.channel == "email", InboundMessage.external_id.in_(ids),
               InboundMessage.ticket_id.is_not(None)),
    ).subquery()
    return {mid: ticket_id for mid, ticket_id in session.execute(select(known.c.mid, known.c.ticket_id))}


def ticket_by_message_ids(session: Session, ids: list[str]) -> int | None:
    """The ticket of the nearest known message among `ids` (nearest first)."""
    found = tickets_by_message_ids(session, ids)
    return next((found[mid] for mid in ids if mid in found), None)


def token_numbers(subject: str) -> list[int]:
    """The ticket numbers of our tokens in a subject, in the order written."""
    return [int(n) for n in TOKEN.findall(subject or "")]


def address_numbers(addresses: list[str], own: set[str]) -> list[int]:
    """The ticket numbers of reply addresses `help+1234@…` of our own mailbox, in the order given."""
    out = []
    for address in addresses:
        found = _PLUS.match(address)
        if found and f"{found.group(1)}@{found.group(3)}" in own:
            out.append(int(found.group(2)))
    return out


def tickets_by_numbers(session: Session, numbers: list[int]) -> dict[int, int]:
    """{number: ticket id} of the tickets that exist among `numbers`."""
    if not numbers:
        return {}
    return dict(session.execute(select(Ticket.number, Ticket.id).where(Ticket.number.in_(set(numbers)))).all())


def _first_existing(session: Session, numbers: list[int]) -> int | None:
    for number in numbers:
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
        if ticket_id is not None:
            return ticket_id
    return None


def ticket_by_token(session: Session, subject: str) -> int | None:
    return _first_existing(session, token_numbers(subject))


def ticket_by_address(session: Session, addresses: list[str], own: set[str]) -> int | None:
    """A reply sent to `help+1234@…` where help@… is the mailbox: ticket number 1234."""
    return _first_existing(session, address_numbers(addresses, own))


def find_ticket(session: Session, message_ids: list[str], subject: str, addresses: list[str] = (),
                own: set[str] = frozenset()) -> int | None:
    return ticket_by_message_ids(session, message_ids) or ticket_by_token(session, subject) or \
        ticket_by_address(session, list(addresses), own)
