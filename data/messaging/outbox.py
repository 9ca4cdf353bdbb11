"""The outbox: messages queued in the caller's transaction with the change, and what became of them.

Channel workers (ingest/email/out.py, ingest/telegram/out.py) send the rows and record each attempt
here (attempt, sent, retry, failed, bounced), so a reply's comment always shows its delivery state.
"""
from __future__ import annotations

import base64
import logging
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data.models import Comment, Outbox, RequesterIdentity, Service, Ticket

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\[#(\d{1,12})\]")  # a ticket's number in a subject line, "[#1234]": replies thread on it


def token(number: int) -> str:
    return f"[#{number}]"


def subject(ticket: Ticket) -> str:
    """The subject of a message about a ticket: its number token and title."""
    return f"{token(ticket.number)} {ticket.title}"


def requester_address(session: Session, ticket: Ticket) -> tuple[str, str] | None:
    """(channel, address) to reach the requester: the channel they wrote from, else email. An identity
    the channel refused for good (a blocked bot) is skipped until the person writes from it again."""
    if ticket.requester_id is None:
        return None
    identities = session.scalars(select(RequesterIdentity)
                                 .where(RequesterIdentity.requester_id == ticket.requester_id,
                                        RequesterIdentity.unreachable_at.is_(None))
                                 .order_by(RequesterIdentity.id)).all()
    return pick_address(ticket.channel, [(i.channel, i.address) for i in identities])


def pick_address(ticket_channel: str, identities: list[tuple[str, str]]) -> tuple[str, str] | None:
    """requester_address() from the requester's reachable (channel, address) pairs in id order (a batch
    reads them for many tickets at once)."""
    by_channel = dict(identities)
    if ticket_channel == "telegram" and "telegram" in by_channel:
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
                 subject=subject(ticket), ticket=ticket, comment=comment)


def attach(row: Outbox | None, files: list[dict]) -> None:
    """Files go out with a queued reply ([{"filename", "content_type", "content"}], already checked)."""
    if row is not None and files:
        extra = [attachment(f["filename"], f.get("content_type") or "application/octet-stream", f["content"])
                 for f in files]
        row.payload = {**(row.payload or {}), "attachments": list((row.payload or {}).get("attachments", [])) + extra}


def fall_back(session: Session, row: Outbox) -> Outbox | None:
    """A reply the channel refused for good goes to the requester's next reachable address (their email
    when a Telegram chat blocked the bot), files included; None when there is none."""
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    comment = session.get(Comment, row.comment_id) if row.comment_id else None
    if row.kind != "reply" or ticket is None or comment is None:
        return None
    target = requester_address(session, ticket)
    if target is None or target == (row.channel, row.recipient):
        return None
    channel, address = target
    comment.delivery_state, comment.delivery_error = "queued", None
    payload = {"attachments": (row.payload or {}).get("attachments", []), "fallback_from": row.id}
    return queue(session, channel=channel, kind="reply", recipient=address, body=row.body, subject=row.subject,
                 ticket=ticket, comment=comment, payload=payload)


def mark_automatic(session: Session, comment: Comment) -> None:
    """An auto-reply (RFC 3834): marked so that mail robots and out-of-office rules don't answer it."""
    for row in session.scalars(select(Outbox).where(Outbox.comment_id == comment.id)):
        row.kind, row.payload = "auto_reply", dict(row.payload or {}, auto_submitted=True)


def withdraw(session: Session, comment: Comment) -> None:
    """Don't send a queued reply after all (an auto-reply to a mailing list); the comment stays, unsent."""
    result = session.execute(delete(Outbox).where(Outbox.comment_id == comment.id, Outbox.state == "queued"))
    if result.rowcount:
        comment.delivery_state = "none"


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    """A file to send with an outbox row: `payload["attachments"]` is a list of these."""
    return {"filename": filename, "content_type": content_type, "content_b64": base64.b64encode(data).decode("ascii")}


def attachments(row: Outbox) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) of the files a row carries; the channel senders attach them."""
    return [(a["filename"], a.get("content_type") or "application/octet-stream", base64.b64decode(a["content_b64"]))
            for a in (row.payload or {}).get("attachments", [])]


# ---- delivery: the channel workers record every attempt ----

def _now() -> datetime:
    return datetime.now(timezone.utc)


def _comment_shows(session: Session, row: Outbox, state: str, error: str | None) -> None:
    if row.comment_id:
        comment = session.get(Comment, row.comment_id)
        if comment is not None:
            comment.delivery_state, comment.delivery_error = state, error


def attempt(row: Outbox) -> int:
    """Count one more attempt at a claimed row; returns the count."""
    row.attempts = (row.attempts or 0) + 1
    return row.attempts


# A claimed row is not due again for this long: the worker sends it meanwhile. Only a worker that died
# between sending and recording the result leaves it claimed; the row is then sent again after the lease.
CLAIM_LEASE = timedelta(minutes=5)
IN_FLIGHT = "sending"  # last_error while claimed; still there at the next claim = that attempt was cut off


def claim(session: Session, channel: str, ids: list[int] | None = None,
          lease: timedelta = CLAIM_LEASE) -> Outbox | None:
    """The first step of a delivery, in its own short transaction that the caller commits BEFORE sending:
    take one due row (SKIP LOCKED, so workers share the queue), count the attempt and lease the row.
    The channel then stamps the message's id on it (name_message) in the same transaction, so whatever
    happens during the send, a later attempt sends the very same id. Returns None when nothing is due."""
    rows = claim_many(session, channel, 1, lease, ids)
    return rows[0] if rows else None


def claim_many(session: Session, channel: str, limit: int, lease: timedelta = CLAIM_LEASE,
               ids: list[int] | None = None) -> list[Outbox]:
    """claim() of up to `limit` due rows (among `ids` when given) in one statement: a batch for one
    connection to the server."""
    stmt = (select(Outbox).where(Outbox.channel == channel, Outbox.state == "queued",
                                 Outbox.next_attempt_at <= func.now())
            .order_by(*((Outbox.id,) if channel == "telegram" else (Outbox.next_attempt_at, Outbox.id)))
            .limit(limit).with_for_update(skip_locked=True))  # a chat is read in order: Telegram oldest first
    if ids is not None:
        stmt = stmt.where(Outbox.id.in_(ids))
    rows = session.scalars(stmt).all()
    for row in rows:
        if row.last_error == IN_FLIGHT:  # the previous attempt's worker died: that message may have arrived
            log.warning("outbox %s: attempt %s was cut off before its result was recorded; sending again with "
                        "the same id %s", row.id, row.attempts, row.external_id)
        attempt(row)
        row.last_error = IN_FLIGHT
        row.next_attempt_at = _now() + lease
    return list(rows)


def claimed_many(session: Session, ids: list[int]) -> list[Outbox]:
    """claimed() of a batch, in id order; rows another worker holds or no longer queued are left out."""
    return list(session.scalars(select(Outbox).where(Outbox.id.in_(ids), Outbox.state == "queued")
                                .order_by(Outbox.id).with_for_update(skip_locked=True)))


def sent_many(session: Session, rows: list[Outbox]) -> None:
    """sent() of a batch in two statements: the rows, then the comments that show their delivery."""
    if not rows:
        return
    at = _now()
    session.execute(update(Outbox).where(Outbox.id.in_([r.id for r in rows]))
                    .values(state="sent", sent_at=at, last_error=None).execution_options(synchronize_session=False))
    comments = [r.comment_id for r in rows if r.comment_id]
    if comments:
        session.execute(update(Comment).where(Comment.id.in_(comments))
                        .values(delivery_state="sent", delivery_error=None)
                        .execution_options(synchronize_session=False))
    for row in rows:  # the objects say what the database now has (no second write at flush)
        for name, value in (("state", "sent"), ("sent_at", at), ("last_error", None)):
            set_committed_value(row, name, value)


def claimed(session: Session, row_id: int) -> Outbox | None:
    """The second step: the row claimed (and committed) before, locked for the send and its result.
    None if another worker holds it or it is no longer queued."""
    return session.scalar(select(Outbox).where(Outbox.id == row_id, Outbox.state == "queued")
                          .with_for_update(skip_locked=True))


def name_message(row: Outbox, external_id: str) -> str:
    """The id the message goes out with, fixed before the first attempt so that a resend carries the same."""
    if not row.external_id:
        row.external_id = external_id
    return row.external_id


def sent(session: Session, row: Outbox, external_id: str | None = None) -> None:
    row.state, row.sent_at, row.last_error = "sent", _now(), None
    if external_id is not None:
        row.external_id = external_id
    _comment_shows(session, row, "sent", None)


def retry(row: Outbox, reason: str, at: datetime) -> None:
    """A temporary failure: try again at `at`."""
    row.last_error, row.next_attempt_at = reason[:2000], at


def failed(session: Session, row: Outbox, reason: str) -> None:
    """A permanent failure (or the last attempt): the row stops, the comment shows why."""
    row.state, row.last_error = "failed", reason[:2000]
    _comment_shows(session, row, "failed", reason[:2000])


def bounced(session: Session, channel: str, external_ids: list[str], reason: str) -> list[tuple[int | None, int | None]]:
    """A delivery report says these sent messages never arrived: they and their comments become failed.
    Returns (comment id, ticket id) of each row found."""
    rows = session.execute(update(Outbox).where(Outbox.channel == channel, Outbox.external_id.in_(external_ids))
                           .values(state="failed", last_error=reason)
                           .returning(Outbox.comment_id, Outbox.ticket_id)).all()
    comment_ids = [c for c, _t in rows if c]
    if comment_ids:
        session.execute(update(Comment).where(Comment.id.in_(comment_ids))
                        .values(delivery_state="failed", delivery_error=reason))
    return [tuple(r) for r in rows]
