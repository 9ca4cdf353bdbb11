"""The people on a ticket's email thread besides its requester: those copied (To/Cc) on it.

Their replies are public comments like the requester's (tickets.comment_from_thread); a reply from
anyone else is kept as an internal note. Participants are an address book for threading, not a
change to the ticket: adding one writes no event.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data.models import RequesterIdentity, Ticket, TicketParticipant


def add(session: Session, ticket_id: int, addresses: set[str]) -> None:
    """Remember these addresses as copied on the ticket's thread (each once)."""
    for address in sorted(addresses):
        session.execute(pg_insert(TicketParticipant).values(ticket_id=ticket_id, address=address[:254])
                        .on_conflict_do_nothing(index_elements=["ticket_id", "address"]))


def is_known(session: Session, ticket: Ticket, address: str) -> bool:
    """The requester, someone copied on the thread, or someone whose replies were accepted before."""
    if ticket.requester_id is not None and session.scalar(
            select(RequesterIdentity.id).where(RequesterIdentity.requester_id == ticket.requester_id,
                                               RequesterIdentity.channel == "email",
                                               RequesterIdentity.address == address)) is not None:
        return True
    return session.scalar(select(TicketParticipant.id).where(TicketParticipant.ticket_id == ticket.id,
                                                             TicketParticipant.address == address)) is not None
