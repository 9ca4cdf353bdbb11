"""Delivering the email outbox: replies in the requester's thread, auto-replies, notifications, PINs.

A batch of rows (OKNO_OUTBOX_BATCH, 100) in two transactions. The claim (`SELECT ... FOR UPDATE SKIP
LOCKED LIMIT n`, so several workers share the outbox and no row goes out twice) counts the attempt, leases
the rows and stamps their Message-IDs, and is committed BEFORE anything is sent; then the rows are locked
again, sent over ONE connection per SMTP server, and the sent ones marked in one statement and committed. A
worker killed between sending and that commit leaves the row claimed: after the lease it is sent
again with the same Message-ID, which mail clients and servers treat as the same message
(docs/reliability.md). Temporary failures retry with exponential backoff; permanent ones (5xx) fail
at once; the comment shows queued / sent / failed with the reason.
"""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import db
from data.messaging import outbox
from data.config import get_config
from data.catalog.secrets import reveal
from data.intake import pins
from data.models import InboundMessage, Mailbox, Outbox, Service, Ticket

from ingest.common import now
from ingest.email.thread import reply_address

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=6)
AUTOMATIC = ("auto_reply", "notification", "pin", "summary")


class PermanentFailure(Exception):
    """The server refused for good (5xx, a bad address): retrying would not help."""


def backoff(attempts: int) -> timedelta:
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), LONGEST_DELAY)


def mailbox_for(session: Session, row: Outbox) -> Mailbox | None:
    """The mailbox of the ticket's service: replies come from the address the requester wrote to."""
    if row.ticket_id is None:
        return None
    service_id = session.scalar(select(Ticket.service_id).where(Ticket.id == row.ticket_id))
    return session.scalar(select(Mailbox).where(Mailbox.service_id == service_id, Mailbox.enabled)
                          .order_by(Mailbox.id).limit(1)) if service_id else None


def thread_ids(session: Session, ticket_id: int) -> list[str]:
    """Message-IDs of the ticket's email thread, oldest first: what went in and what went out."""
    incoming = session.execute(select(InboundMessage.received_at, InboundMessage.external_id)
                               .where(InboundMessage.ticket_id == ticket_id, InboundMessage.channel == "email",
                                      InboundMessage.external_id.like("<%"))).all()
    outgoing = session.execute(select(Outbox.sent_at, Outbox.external_id)
                               .where(Outbox.ticket_id == ticket_id, Outbox.channel == "email",
                                      Outbox.state == "sent", Outbox.external_id.is_not(None))).all()
    return [mid for _at, mid in sorted(incoming + outgoing, key=lambda r: r[0] or now())]


def name(row: Outbox, mailbox: Mailbox | None) -> str:
    """The row's Message-ID, chosen once (at its first claim) and kept for every later attempt."""
    sender = mailbox.address if mailbox else get_config().mail_from
    domain = sender.rsplit("@", 1)[-1] or "okno.local"
    return outbox.name_message(row, f"<okno.{row.id}.{secrets.token_hex(6)}@{domain}>")


def build(session: Session, row: Outbox, mailbox: Mailbox | None) -> EmailMessage:
    cfg = get_config()
    sender = mailbox.address if mailbox else cfg.mail_from
    name(row, mailbox)
    msg = EmailMessage()
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    subject = row.subject or (outbox.subject(ticket) if ticket else "Okno")
    if ticket and outbox.token(ticket.number) not in subject:
        subject = f"{outbox.token(ticket.number)} {subject}"
    if ticket and row.kind in ("reply", "auto_reply") and not subject.lower().startswith("re:"):
        subject = "Re: " + subject
    service = session.get(Service, ticket.service_id) if ticket and ticket.service_id else None
    msg["From"] = formataddr((service.name if service else "Okno", sender))
    if ticket and mailbox is not None and mailbox.plus_addressing:  # the answer finds its ticket by address too
        msg["Reply-To"] = formataddr((service.name if service else "Okno", reply_address(sender, ticket.number)))
    msg["To"] = row.recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = row.external_id
    payload = row.payload or {}
    known = thread_ids(session, ticket.id) if ticket else []
    parent = payload.get("in_reply_to") or next((m for m in reversed(known) if not m.startswith("<okno.")),
                                                known[-1] if known else None)
    references = payload.get("references") or known
    if parent:
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(list(dict.fromkeys([*references, parent]))[-10:])
    if row.kind in AUTOMATIC or payload.get("auto_submitted"):
        # RFC 3834: never answered automatically; Exchange: no out-of-office replies to us.
        msg["Auto-Submitted"] = "auto-replied" if row.kind == "auto_reply" else "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(row.body)
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    for filename, content_type, data in outbox.attachments(row):  # e.g. the weekly summary's PDF
        maintype, _slash, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return msg


def _route(mailbox: Mailbox | None) -> tuple:
    """Where a message goes out: the mailbox's own SMTP server, or the configured one."""
    cfg = get_config()
    own = mailbox is not None and mailbox.kind == "imap" and mailbox.smtp_host
    host, port = (mailbox.smtp_host, mailbox.smtp_port or 587) if own else (cfg.smtp_host, cfg.smtp_port)
    user, password = ((mailbox.username or mailbox.address), reveal(mailbox.secret)) if own else \
        (cfg.smtp_user, cfg.smtp_password)
    return host, port, user, password, bool(own and mailbox.smtp_ssl)


def _connect(route: tuple) -> smtplib.SMTP:
    host, port, user, password, ssl = route
    smtp = (smtplib.SMTP_SSL if ssl else smtplib.SMTP)(host, port, timeout=30)
    try:
        if not ssl and port == 587:
            smtp.starttls()
        if user and password:
            smtp.login(user, password)
    except Exception:
        smtp.close()
        raise
    return smtp


def _transmit(smtp: smtplib.SMTP, msg: EmailMessage, recipient: str) -> None:
    """One message over an open connection; a refusal for good becomes PermanentFailure."""
    try:
        smtp.send_message(msg, from_addr=msg["From"].addresses[0].addr_spec, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as err:
        codes = [c for c, _m in err.recipients.values()]
        if all(c >= 500 for c in codes):
            raise PermanentFailure(f"recipient refused: {err.recipients}") from err
        raise
    except smtplib.SMTPResponseException as err:
        if err.smtp_code >= 500 and err.smtp_code not in (530, 535):  # auth problems are ours to fix: retry
            raise PermanentFailure(f"{err.smtp_code} {err.smtp_error!r}") from err
        raise


def send_smtp(msg: EmailMessage, recipient: str, mailbox: Mailbox | None) -> None:
    try:
        smtp = _connect(_route(mailbox))
    except smtplib.SMTPResponseException as err:
        if err.smtp_code >= 500 and err.smtp_code not in (530, 535):
            raise PermanentFailure(f"{err.smtp_code} {err.smtp_error!r}") from err
        raise
    with smtp:
        _transmit(smtp, msg, recipient)


class Connections:
    """One SMTP connection per server for a whole batch, opened at its first message, opened again once
    if the server dropped it (a server may close after N messages)."""

    def __init__(self):
        self.open: dict[tuple, smtplib.SMTP] = {}

    def send(self, msg: EmailMessage, recipient: str, mailbox: Mailbox | None) -> None:
        if mailbox is not None and mailbox.kind == "ews":
            return send(msg, recipient, mailbox)
        route = _route(mailbox)
        for again in (False, True):
            smtp = self.open.get(route)
            if smtp is None:
                smtp = self.open[route] = _connect(route)
            try:
                return _transmit(smtp, msg, recipient)
            except (smtplib.SMTPServerDisconnected, ConnectionError):
                self.open.pop(route, None)
                if again:
                    raise
            except smtplib.SMTPResponseException:
                smtp.rset()  # the next message starts a clean transaction on the same connection
                raise

    def close(self) -> None:
        for smtp in self.open.values():
            try:
                smtp.quit()
            except Exception:  # noqa: BLE001 — everything was sent and recorded already
                smtp.close()
        self.open.clear()


def send(msg: EmailMessage, recipient: str, mailbox: Mailbox | None) -> None:
    if mailbox is not None and mailbox.kind == "ews":
        from ingest.email.ews import send_via_ews
        send_via_ews(mailbox, msg, recipient)
    else:
        send_smtp(msg, recipient, mailbox)


def deliver_one(session: Session, row: Outbox, connections: Connections | None = None,
                mailbox: Mailbox | None | bool = False) -> str:
    """Send a claimed row (outbox.claim counted the attempt) and record the result on it. In a batch
    (`connections`) a sent row is left for outbox.sent_many: "sent" is returned, nothing written yet."""
    mailbox = mailbox_for(session, row) if mailbox is False else mailbox
    attempts = row.attempts
    try:
        msg = build(session, row, mailbox)
        if connections is not None:
            connections.send(msg, row.recipient, mailbox)
        else:
            send(msg, row.recipient, mailbox)
    except Exception as err:
        reason = f"{type(err).__name__}: {err}"[:2000]
        final = isinstance(err, PermanentFailure) or attempts >= MAX_ATTEMPTS
        log.warning("outbox %s to %s: %s%s", row.id, row.recipient, reason, "" if final else " (will retry)")
        if final:
            outbox.failed(session, row, reason)
            return "failed"
        outbox.retry(row, reason, now() + backoff(attempts))
        return "retry"
    if connections is None:
        outbox.sent(session, row)
    pins.redact_delivered(row)  # the plain PIN must not stay in the outbox
    return "sent"


def deliver_due(limit: int = 500, batch: int | None = None) -> dict[str, int]:
    """Send what is due, a batch at a time: claim and commit, then send and commit. Returns counts:
    sent, retry, failed."""
    batch = batch or int(os.environ.get("OKNO_OUTBOX_BATCH", "100"))
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while limit > 0:
        with db.session_scope() as s:
            rows = outbox.claim_many(s, "email", min(batch, limit))
            mailboxes = _mailboxes(s, rows)
            for row in rows:
                name(row, mailboxes[row.id])
            ids = [row.id for row in rows]
        if not ids:
            break
        limit -= len(ids)
        connections = Connections()
        try:
            with db.session_scope() as s:
                rows = outbox.claimed_many(s, ids)  # (rows withdrawn meanwhile are left out)
                mailboxes = _mailboxes(s, rows)
                sent = []
                for row in rows:
                    result = deliver_one(s, row, connections, mailboxes[row.id])
                    counts[result] += 1
                    if result == "sent":
                        sent.append(row)
                outbox.sent_many(s, sent)
        finally:
            connections.close()  # after the commit: the server has every message, the database says so
    return counts


def _mailboxes(session: Session, rows: list[Outbox]) -> dict[int, Mailbox | None]:
    """mailbox_for() of each row, asked once per ticket."""
    by_ticket: dict[int | None, Mailbox | None] = {}
    for row in rows:
        if row.ticket_id not in by_ticket:
            by_ticket[row.ticket_id] = mailbox_for(session, row)
    return {row.id: by_ticket[row.ticket_id] for row in rows}
