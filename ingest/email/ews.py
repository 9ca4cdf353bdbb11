"""An Exchange mailbox through Exchange Web Services (exchangelib 5.6).

No autodiscover and a fixed server version (Exchange 2016, Build 15.1): exchangelib then sends
no probing requests. Messages are read as MimeContent, so the one MIME parser serves EWS and
IMAP alike. Unread messages are the work list: one is marked read (UpdateItem) or moved
(MoveItem) only after its ticket is committed; a crash in between refetches it and the
Message-ID dedup recognises it. Dedup never uses the EWS ItemId (it changes when an item moves).
Replies go out through the same account: CreateItem with SendAndSaveCopy of our MIME message.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from email.message import EmailMessage
from typing import Any, Iterator

from data.catalog.secrets import reveal
from data.models import Mailbox

PAGE = 50  # messages per FindItem page; GetItem fetches their MIME in the same batches


@dataclass
class Fetched:
    key: Any  # the exchangelib item (id + changekey), for mark-read / move
    raw: bytes


def account_for(mailbox: Mailbox):
    from exchangelib import BASIC, DELEGATE, NTLM, Account, Build, Configuration, Credentials, Version
    if not mailbox.host:
        raise ValueError("no EWS URL configured")
    auth = {"basic": BASIC, "ntlm": NTLM}.get((mailbox.auth_type or "ntlm").lower(), NTLM)
    config = Configuration(service_endpoint=mailbox.host, auth_type=auth, version=Version(build=Build(15, 1)),
                           credentials=Credentials(mailbox.username or mailbox.address, reveal(mailbox.secret) or ""),
                           max_connections=2)
    return Account(primary_smtp_address=mailbox.address, config=config, autodiscover=False, access_type=DELEGATE)


def folder_of(account, name: str | None):
    if not name or name.upper() == "INBOX":
        return account.inbox
    return account.msg_folder_root / name


class EwsSource:
    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.account = None

    def __enter__(self) -> EwsSource:
        self.account = account_for(self.mailbox)
        return self

    def __exit__(self, *exc) -> None:
        if self.account is not None:
            self.account.protocol.close()

    def check_cursor(self, session) -> None:
        """The unread flag is the work list; no cursor to check."""

    def save_cursor(self, session, message: Fetched) -> None:
        """Nothing to save: the message leaves the work list when it is marked read."""

    def _read(self, queryset, limit: int | None = None) -> Iterator[Fetched]:
        ordered = queryset.only("mime_content").order_by("datetime_received")
        for item in (ordered[:limit] if limit else ordered):
            if isinstance(item, Exception):  # exchangelib yields per-item errors instead of raising
                raise item
            yield Fetched(item, bytes(item.mime_content or b""))

    def fetch_new(self) -> Iterator[Fetched]:
        """Unread mail, a page at a time: each page is marked read before the next is asked for,
        so paging offsets never skip messages (the restriction's result shrinks as we go)."""
        folder, seen = folder_of(self.account, self.mailbox.folder), set()
        while True:
            page = list(self._read(folder.filter(is_read=False), PAGE))
            fresh = [m for m in page if m.key.id not in seen]
            if not fresh:
                return
            seen.update(m.key.id for m in fresh)
            yield from fresh

    def fetch_folder(self, folder: str, since: date | None) -> Iterator[Fetched]:
        target = folder_of(self.account, folder)
        if since:
            from exchangelib import EWSDateTime, UTC
            start = EWSDateTime.from_datetime(datetime.combine(since, time.min, tzinfo=timezone.utc)).astimezone(UTC)
            yield from self._read(target.filter(datetime_received__gte=start))
        else:
            yield from self._read(target.all())

    def acknowledge(self, message: Fetched) -> None:
        item = message.key
        if self.mailbox.after_processing == "move" and self.mailbox.move_to:
            item.move(folder_of(self.account, self.mailbox.move_to))
            return
        item.is_read = True
        item.save(update_fields=["is_read"])


def send_via_ews(mailbox: Mailbox, msg: EmailMessage, recipient: str) -> None:
    """Send our MIME message from the mailbox's own account; a copy lands in its Sent Items."""
    from exchangelib import Mailbox as EwsAddress, Message
    account = account_for(mailbox)
    try:
        Message(account=account, folder=account.sent, mime_content=msg.as_bytes(),
                to_recipients=[EwsAddress(email_address=recipient)]).send_and_save()
    finally:
        account.protocol.close()
