"""An email becomes a ticket, a comment on its ticket, or an explained skip (the raw is kept either way).

Called by ingest.common.handle() inside a savepoint, for live mail (IMAP/EWS) and imports alike.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.tickets import attachments, participants
from data.messaging import outbox
from data.intake import requesters
from data.intake import submit as requests
from data.tickets import actions as tickets
from data import limits
from data.errors import OknoError, ValidationError
from data.config import get_config
from data.i18n import translate
from data.models import Comment, InboundMessage, Mailbox, RequesterIdentity, Service, Ticket

from ingest.email import quarantine, reopen, thread
from ingest.common import Outcome, now
from ingest.email.parse import ParsedAttachment, ParsedEmail, parse_loose
from ingest.email.receive import parsed_for

SENDER_LIMIT_PER_HOUR = 30  # more than this from one address is a loop, not a person
LEGACY = "email_legacy"  # session.info: (Message-IDs asked about, {Message-ID: ticket} of rows without content hash)


def source_of(mailbox: Mailbox) -> str:
    return f"mailbox:{mailbox.id}"


def _target(session: Session, source: str) -> tuple[Mailbox | None, Service | None]:
    """`mailbox:<id>` (live and imported mail of a mailbox) or `service:<id>` (an import without a mailbox)."""
    kind, _sep, ident = source.partition(":")
    if kind == "mailbox":
        mailbox = session.get(Mailbox, int(ident))
        if mailbox is None:
            raise ValueError(f"mailbox {ident} no longer exists")
        return mailbox, session.get(Service, mailbox.service_id) if mailbox.service_id else None
    if kind == "service":
        return None, session.get(Service, int(ident))
    raise ValueError(f"unknown email source {source!r}")


def handle_inbound(session: Session, row: InboundMessage) -> Outcome:
    mailbox, service = _target(session, row.source)
    releasing = bool(session.info.get("email_release"))  # an admin released it: the checks are done
    if not releasing and (held := quarantine.oversized(row.raw)):
        return held
    try:
        mail = parsed_for(session, row)
    except Exception as err:  # noqa: BLE001 — any parser failure: kept for the admin, never lost
        if not releasing:
            return quarantine.unparsable(err)
        mail = parse_loose(row.raw)
    if not releasing and (held := quarantine.suspicious(session, mail)):
        return held
    return deliver(session, mail, row, mailbox, service, releasing=releasing)


def _skip(key: str, reason: str, ticket_id: int | None = None, **args) -> Outcome:
    return Outcome("skipped", reason, ticket_id=ticket_id, reason_key=key, reason_args=args or None)


def deliver(session: Session, mail: ParsedEmail, row: InboundMessage, mailbox: Mailbox | None,
            service: Service | None, releasing: bool = False) -> Outcome:
    if mail.bounce and not releasing:
        return _bounce(session, mail)
    if mail.loop.skip_reason and not releasing:
        return Outcome("skipped", mail.loop.skip_reason, reason_key=mail.loop.reason_key,
                       reason_args=mail.loop.reason_args or None)
    sender = mail.from_address
    if not sender:
        return _skip("ingest.reason.no_sender", "no sender address")
    own = mailbox.own_addresses() if mailbox else set()
    if thread.plain_address(sender) in own or sender == get_config().mail_from.lower():
        return _skip("ingest.reason.own_loop", "sent by Okno itself (a loop)")
    legacy = session.info.get(LEGACY)  # read for the whole batch by ingest.email.batch
    if legacy is not None and row.external_id in legacy[0]:
        earlier = legacy[1].get(row.external_id)
    else:
        earlier = session.scalar(select(InboundMessage.ticket_id).where(
            InboundMessage.channel == "email", InboundMessage.external_id == row.external_id,
            InboundMessage.id != row.id, InboundMessage.ticket_id.is_not(None),
            InboundMessage.content_hash.is_(None)).limit(1))
    if earlier is not None:  # received before content hashes were kept, through another mailbox: one ticket
        return _skip("ingest.reason.other_mailbox", "already received through another mailbox", earlier)
    # Imported history is old mail, not a loop happening now: the limit is for live mail only.
    if not session.info.get("email_import") and not releasing and \
            _recent_from(session, sender) >= SENDER_LIMIT_PER_HOUR:
        return _skip("ingest.reason.rate_limit",
                     f"rate limit: over {SENDER_LIMIT_PER_HOUR} messages an hour from this sender",
                     limit=SENDER_LIMIT_PER_HOUR)
    try:
        requester = requesters.find_or_create_by_email(session, sender, mail.from_name or None)
    except ValidationError as err:
        return _skip("ingest.reason.bad_sender", f"sender address not usable: {err}")
    copied = {a for a in mail.to + mail.cc if thread.plain_address(a) not in own and a != sender}
    ticket_id = thread.find_ticket(session, mail.thread_ids, mail.subject, mail.to + mail.cc, own)
    if ticket_id is not None:
        ticket = session.get(Ticket, ticket_id)
        if ticket.status == "done" and not reopen.within_window(ticket, mailbox):
            return _follow_up(session, ticket, service, requester, mail, row, copied)
        return _comment(session, ticket, requester, mail, row, copied)
    if service is None or service.board_id is None:
        raise OknoError("ingest.reason.no_service")
    return _new_ticket(session, service, requester, mail, row, copied)


def _recent_from(session: Session, sender: str) -> int:
    since = now() - timedelta(hours=1)
    requester_ids = select(RequesterIdentity.requester_id).where(RequesterIdentity.channel == "email",
                                                                 RequesterIdentity.address == sender)
    made = select(func.count()).select_from(Ticket).where(Ticket.requester_id.in_(requester_ids),
                                                          Ticket.created_at >= since).scalar_subquery()
    said = select(func.count()).select_from(Comment).where(Comment.author_requester_id.in_(requester_ids),
                                                           Comment.channel == "email",
                                                           Comment.created_at >= since).scalar_subquery()
    return session.scalar(select(made + said)) or 0


def body_of(mail: ParsedEmail, locale: str | None) -> str:
    """The message's text, cut to the size limit: mail is never refused for being long (the raw message
    stays in inbound_messages)."""
    return limits.clip(mail.card_text, "text") or (translate("email.attachments_only", locale) if mail.attachments
                                                  else translate("email.empty", locale))


def new_title(mail: ParsedEmail, locale: str | None, title: str | None = None) -> str:
    """A new ticket's title: the subject, else the first line of the text, else "(no subject)"."""
    first_line = mail.card_text.split("\n", 1)[0][:120] if mail.card_text else ""
    return limits.clip(title or mail.subject, "title") or first_line or translate("email.no_subject", locale)


def _new_ticket(session, service, requester, mail, row, copied, title: str | None = None) -> Outcome:
    title = new_title(mail, requester.locale, title)
    reply_to = {"in_reply_to": mail.message_id, "references": (mail.references + [mail.message_id])[-10:]} \
        if mail.message_id else {}
    try:
        # Attachments are stored here, not by submit(): mail brings any file type (.p7s, .ics, .eml),
        # and a file the portal would refuse must not cost the requester their ticket.
        # A mailing list or an inbox-rule loop must not get the service's auto-reply.
        ticket = requests.submit(session, requester, service_id=service.id, title=title,
                                 description=body_of(mail, requester.locale), channel="email",
                                 description_html=mail.html, auto_reply=not mail.loop.no_auto_reply)
    except ValidationError as err:  # the service refuses (e.g. the sender's domain is not allowed)
        return _skip("ingest.reason.refused", f"refused by the service: {err}")
    refused = _attach(session, ticket, None, mail.attachments)
    participants.add(session, ticket.id, copied)
    _refusal_note(session, ticket, requester, mail, refused, reply_to)
    return Outcome("processed", ticket_id=ticket.id, created=True)


def _follow_up(session, old: Ticket, service, requester, mail, row, copied) -> Outcome:
    """A reply to a ticket resolved longer ago than the reopen window: a new ticket, linked to the old one."""
    service = reopen.service_of(session, old) or service
    if service is None or service.board_id is None:
        raise OknoError("ingest.reason.no_service")
    outcome = _new_ticket(session, service, requester, mail, row, copied, title=thread.bare_subject(mail.subject))
    if outcome.created:
        new = session.get(Ticket, outcome.ticket_id)
        reopen.link(session, old, new)
        outcome.reason, outcome.reason_key = f"follow-up of #{old.number}", "ingest.reason.follow_up"
        outcome.reason_args = {"number": old.number}
    return outcome


def _comment(session, ticket, requester, mail, row, copied) -> Outcome:
    if session.scalar(select(Comment.id).where(Comment.channel == "email", Comment.external_id == row.external_id)):
        return _skip("ingest.reason.other_mailbox", "already on the ticket (received through another mailbox)",
                     ticket.id)
    known = participants.is_known(session, ticket, mail.from_address)
    reopened = known and ticket.status == "done" and reopen.reopen(session, ticket)
    body = body_of(mail, requester.locale)
    if ticket.requester_id == requester.id:
        item = tickets.comment(session, requester, ticket.id, body, public=True, channel="email",
                               external_id=row.external_id, body_html=mail.html)
    else:  # someone copied on the thread, or a stranger
        item = tickets.comment_from_thread(session, requester, ticket.id, body, known=known, channel="email",
                                           external_id=row.external_id, body_html=mail.html)
    refused = _attach(session, ticket, item, mail.attachments)
    if known:
        participants.add(session, ticket.id, copied)
    _refusal_note(session, ticket, requester, mail, refused,
                  {"in_reply_to": mail.message_id} if mail.message_id else {})
    if not known:
        return Outcome("processed", f"from an unknown sender {mail.from_address}", ticket.id, item.id,
                       reason_key="ingest.reason.unknown_sender", reason_args={"sender": mail.from_address})
    if reopened:
        return Outcome("processed", "the ticket was reopened", ticket.id, item.id, reason_key="ingest.reason.reopened")
    return Outcome("processed", ticket_id=ticket.id, comment_id=item.id)


def _attach(session, ticket: Ticket, comment: Comment | None, files: list[ParsedAttachment]) -> list[ParsedAttachment]:
    """Store the attachments within the size limit; return the refused ones."""
    limit = get_config().max_attachment_bytes
    attachments.store(session, ticket, [{"filename": f.filename[:255], "content": f.content,
                                         "content_type": f.content_type[:120]}
                                        for f in files if len(f.content) <= limit], comment)
    return [f for f in files if len(f.content) > limit]


def _refusal_note(session, ticket, requester, mail, refused, reply_to) -> None:
    if not refused or mail.loop.no_auto_reply:
        return
    limit_mb = get_config().max_attachment_bytes // (1024 * 1024)
    names = ", ".join(f"{f.filename} ({len(f.content) / 1048576:.1f} MB)" for f in refused)
    body = translate("email.attachment_refused", requester.locale, names=names, limit=limit_mb)
    outbox.queue(session, channel="email", kind="notification", recipient=mail.from_address, body=body,
                 subject=outbox.subject(ticket), ticket=ticket, payload=reply_to)


def _bounce(session, mail: ParsedEmail) -> Outcome:
    """A delivery report: the outgoing message it is about becomes failed (and its comment shows it)."""
    ids = list(dict.fromkeys(mail.reported_message_ids + mail.thread_ids))
    if not ids:
        return _skip("ingest.reason.bounce_unknown", "bounce (no message of ours named)")
    rows = outbox.bounced(session, "email", ids, f"bounced: {mail.diagnostic or mail.subject}"[:500])
    ticket_id = next((t for _c, t in rows if t), None)
    if not rows:
        return _skip("ingest.reason.bounce_not_ours", "bounce (not ours)")
    return _skip("ingest.reason.bounce_ours", f"bounce for {len(rows)} outgoing message(s)", ticket_id,
                 count=len(rows))
