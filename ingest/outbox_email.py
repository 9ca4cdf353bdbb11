"""A minimal email sender for the outbox (PINs, notifications, replies) over SMTP with smtplib.

SMTP_HOST / SMTP_PORT / SMTP_USER / SMTP_PASSWORD / OKNO_MAIL_FROM from data/config.py. Rows are
claimed with FOR UPDATE SKIP LOCKED, so several workers can share the outbox; a failure is recorded
on the row and retried with backoff. Run: `python -m ingest.outbox_email` (the full email channel may
replace this module).
"""
from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select

from data import outbox
from data.config import get_config
from data.db import session_scope
from data.models import Comment, Outbox

log = logging.getLogger("okno.outbox.email")
MAX_ATTEMPTS = 8


def message(row: Outbox) -> EmailMessage:
    cfg = get_config()
    msg = EmailMessage()
    msg["From"] = cfg.mail_from
    msg["To"] = row.recipient
    msg["Subject"] = (row.subject or "Okno").replace("\n", " ").replace("\r", " ")
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=cfg.mail_from.rsplit("@", 1)[-1] or "okno")
    if (row.payload or {}).get("auto_submitted") or row.kind in ("pin", "auto_reply", "notification", "summary"):
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: robots must not answer
    msg.set_content(row.body)
    for filename, content_type, data in outbox.attachments(row):  # e.g. the weekly summary's PDF
        maintype, _slash, subtype = content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return msg


def send(msg: EmailMessage) -> None:
    cfg = get_config()
    with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=30) as smtp:
        if cfg.smtp_user:
            smtp.starttls()
            smtp.login(cfg.smtp_user, cfg.smtp_password or "")
        smtp.send_message(msg)


def _comment_state(s, row: Outbox, state: str, error: str | None) -> None:
    """A reply's delivery shows on its comment."""
    comment = s.get(Comment, row.comment_id) if row.comment_id else None
    if comment is not None:
        comment.delivery_state, comment.delivery_error = state, error


def deliver_due(limit: int = 50) -> int:
    """Send queued email rows that are due; returns how many were sent."""
    sent = 0
    now = datetime.now(timezone.utc)
    with session_scope() as s:
        rows = s.scalars(select(Outbox).where(Outbox.channel == "email", Outbox.state == "queued",
                                              Outbox.next_attempt_at <= now)
                         .order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            msg = message(row)
            row.attempts += 1
            try:
                send(msg)
            except (OSError, smtplib.SMTPException) as err:
                row.last_error = f"{type(err).__name__}: {err}"[:2000]
                row.state = "failed" if row.attempts >= MAX_ATTEMPTS else "queued"
                row.next_attempt_at = now + timedelta(seconds=min(3600, 30 * 2 ** row.attempts))
                log.warning("outbox %s to %s failed (attempt %d): %s", row.id, row.recipient, row.attempts, err)
                _comment_state(s, row, "failed" if row.state == "failed" else "queued", row.last_error)
                continue
            row.state, row.sent_at, row.external_id, row.last_error = "sent", now, msg["Message-ID"], None
            _comment_state(s, row, "sent", None)
            sent += 1
    return sent


def run(poll_seconds: float = 2.0) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.info("delivering email from the outbox via %s:%s", get_config().smtp_host, get_config().smtp_port)
    while True:
        try:
            deliver_due()
        except Exception:  # noqa: BLE001 - a database hiccup must not stop the worker
            log.exception("outbox delivery round failed")
        time.sleep(poll_seconds)


if __name__ == "__main__":
    run()
