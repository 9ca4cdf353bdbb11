"""Mailboxes the email channel reads (Exchange Web Services or IMAP), each feeding one service."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from data.db import Base
from data.models._types import TZ, in_list, now_column
from data.models.messaging import InboundMessage, Outbox

MAILBOX_KINDS = ("ews", "imap")
AFTER_PROCESSING = ("mark_read", "move")


class Mailbox(Base):
    """One mailbox. `secret` is never plain text: a Fernet token ("fernet:...") keyed by SECRET_KEY,
    or a reference to an environment variable ("env:NAME") — see data/catalog/secrets.py.

    The IMAP cursor is (imap_uidvalidity, imap_last_uid); `ews_sync_state` is kept for SyncFolderItems.
    """

    __tablename__ = "mailboxes"
    __table_args__ = (CheckConstraint(in_list("kind", MAILBOX_KINDS), name="kind"),
                      CheckConstraint(in_list("after_processing", AFTER_PROCESSING), name="after_processing"),
                      UniqueConstraint("address"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(4))
    address: Mapped[str] = mapped_column(String(254))  # the mailbox's own address: From of replies
    aliases: Mapped[list[str]] = mapped_column(ARRAY(String(254)), default=list, server_default="{}")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="SET NULL"))
    host: Mapped[str | None] = mapped_column(String(253))  # IMAP host, or the EWS endpoint URL
    port: Mapped[int | None] = mapped_column(Integer)
    use_ssl: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    username: Mapped[str | None] = mapped_column(String(254))
    secret: Mapped[str | None] = mapped_column(Text)
    auth_type: Mapped[str | None] = mapped_column(String(20))  # EWS: NTLM, basic
    folder: Mapped[str] = mapped_column(String(200), default="INBOX", server_default="INBOX")
    after_processing: Mapped[str] = mapped_column(String(10), default="mark_read", server_default="mark_read")
    move_to: Mapped[str | None] = mapped_column(String(200))
    # IMAP mailboxes send through this SMTP server (else the global SMTP_HOST).
    smtp_host: Mapped[str | None] = mapped_column(String(253))
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_ssl: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    imap_uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    imap_last_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    ews_sync_state: Mapped[str | None] = mapped_column(Text)
    # A reply to a resolved ticket reopens it within this many days (None: OKNO_EMAIL_REOPEN_DAYS), else
    # it opens a new ticket linked to the old one.
    reopen_days: Mapped[int | None] = mapped_column(Integer)
    # Replies go out with Reply-To: local+<ticket number>@domain, which finds the ticket on its own.
    plus_addressing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    last_run_at: Mapped[datetime | None] = mapped_column(TZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_column()

    def own_addresses(self) -> set[str]:
        return {a.lower() for a in [self.address, *(self.aliases or [])] if a}


class BlockedSender(Base):
    """An address (`ivan@example.com`) or a whole domain (`@example.com`) whose mail is quarantined."""

    __tablename__ = "blocked_senders"
    __table_args__ = (UniqueConstraint("pattern"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(254))  # lower-cased
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = now_column()


class TicketParticipant(Base):
    """Someone copied on a ticket's email thread: their replies are not from an unknown sender."""

    __tablename__ = "ticket_participants"
    __table_args__ = (UniqueConstraint("ticket_id", "address"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))  # lower-cased
    created_at: Mapped[datetime] = now_column()


# Threading looks messages up by their Message-ID: our outgoing ones (outbox) and every inbound one.
Index("ix_outbox_external_id", Outbox.external_id, postgresql_where=text("external_id IS NOT NULL"))
Index("ix_inbound_messages_external_id", InboundMessage.external_id)
