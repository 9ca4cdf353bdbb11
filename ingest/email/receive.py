"""One email received, exactly once: its identity (Message-ID and content hash), the raw row, the handling.

The same message reaches Okno more than once: it was sent to two of our mailboxes (To and Cc), the
server delivered it again, or a worker died after the commit and before the IMAP flag. Each copy
differs in its Received/Delivered-To headers, so the raw bytes are no key. The key is the content
hash — sender, Date (the Message-ID when there is no Date), subject and a digest of the body and
attachments — unique per channel
(INSERT … ON CONFLICT DO NOTHING), beside the Message-ID unique per mailbox. A Message-ID that
comes again with other content (senders that reuse ids) is a different message: it is stored
under the id with a hash suffix instead of being taken for a repeat.
"""
from __future__ import annotations

import hashlib
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data.config import get_config
from data.models import InboundMessage

from ingest import common
from ingest.email.parse import _MSGID, ParsedEmail, parse, unsurrogate

CHANNEL = "email"
_PARSED = "email_parsed"  # session.info: the message parsed here, handed to the handler (parsed once)


def _date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return value.strip()


def digest(mail: ParsedEmail) -> str:
    """The content hash: From, Date, subject and a digest of the body and the attachments."""
    body = hashlib.sha256()
    for part in (mail.text, mail.html or ""):
        body.update(part.encode("utf-8", "surrogatepass"))
        body.update(b"\x1f")
    for item in mail.attachments:
        body.update(hashlib.sha256(item.content).digest())
    # Without a Date, two different messages of the same text (a robot's alerts) would look alike: the
    # Message-ID stands in for the moment it was written.
    moment = _date(mail.date) if mail.date else f"id:{mail.message_id or ''}"
    key = "\x1f".join([mail.from_address or "", moment, mail.subject, body.hexdigest()])
    return "mail:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def identify(raw: bytes) -> tuple[str, str, ParsedEmail | None]:
    """(external id, content hash, the parsed message or None when it cannot be parsed)."""
    if len(raw) > get_config().max_message_bytes:  # quarantined unread: the headers give its id, the bytes its hash
        return _header_id(raw) or common.content_hash(raw), common.content_hash(raw), None
    try:
        mail = parse(raw)
    except Exception:  # kept raw and quarantined by the handler; its bytes are its identity
        return common.content_hash(raw), common.content_hash(raw), None
    key = digest(mail)
    mail.card_text  # noqa: B018 — trimmed here, in the parser pool, not in the process that writes the batch
    return mail.message_id or key, key, mail


def _legacy_row(session: Session, source: str, external_id: str) -> InboundMessage | None:
    """A row stored before content hashes were kept, under this Message-ID: the same message again."""
    return session.scalar(select(InboundMessage).where(
        InboundMessage.channel == CHANNEL, InboundMessage.source == source,
        InboundMessage.external_id == external_id, InboundMessage.content_hash.is_(None)))


def _header_id(raw: bytes) -> str | None:
    """The Message-ID read from the headers alone (a message too large to parse whole)."""
    try:
        value = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("message-id") or ""
    except Exception:  # noqa: BLE001 — no id: the content hash serves
        return None
    found = _MSGID.search(unsurrogate(str(value)))
    return found.group(0) if found else None


def _row_with_hash(session: Session, key: str) -> InboundMessage | None:
    return session.scalar(select(InboundMessage).where(InboundMessage.channel == CHANNEL,
                                                       InboundMessage.content_hash == key))


def receive(session: Session, source: str, raw: bytes) -> common.Outcome:
    """Store and handle one message in the caller's transaction; a copy already received is `duplicate`."""
    return receive_identified(session, source, raw, identify(raw))


def receive_identified(session: Session, source: str, raw: bytes, identity: tuple[str, str, ParsedEmail | None],
                       row: InboundMessage | None = None) -> common.Outcome:
    """receive() of a message identified already (parsed in a process pool by ingest.email.batch); `row` is
    its raw row when the batch inserted it, else it is stored here."""
    external_id, key, mail = identity
    if row is not None:
        return _handle(session, row, raw, mail)
    inbound_id = common.store_raw(session, channel=CHANNEL, source=source, external_id=external_id, raw=raw,
                                  digest=key)
    if inbound_id is None:
        same = _row_with_hash(session, key) or _legacy_row(session, source, external_id)
        if same is not None:
            return common.Outcome("duplicate", "already received", ticket_id=same.ticket_id, inbound_id=same.id)
        # The Message-ID is taken in this mailbox by another message: a sender that reuses ids.
        inbound_id = common.store_raw(session, channel=CHANNEL, source=source, digest=key, raw=raw,
                                      external_id=f"{external_id}#{key[5:17]}")
        if inbound_id is None:
            return common.Outcome("duplicate", "already received")
    return _handle(session, session.get(InboundMessage, inbound_id), raw, mail)


def _handle(session: Session, row: InboundMessage, raw: bytes, mail: ParsedEmail | None) -> common.Outcome:
    inbound_id = row.id
    set_committed_value(row, "raw", raw)  # we have it: no second round trip for the deferred column
    if mail is not None:
        session.info[_PARSED] = (inbound_id, mail)
    try:
        return common.handle(session, row)
    finally:
        session.info.pop(_PARSED, None)


def parsed_for(session: Session, row: InboundMessage) -> ParsedEmail:
    """The row's message: parsed by receive() a moment ago, else parsed now (a retry or a release)."""
    cached = session.info.get(_PARSED)
    if cached is not None and cached[0] == row.id:
        return cached[1]
    return parse(row.raw)
