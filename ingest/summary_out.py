"""Delivering outbox rows that carry files — the weekly summary (kind "summary") — by email and Telegram.

MINIMAL SENDERS: written while the email and Telegram channel workers (ingest/email_out.py,
ingest/telegram_out.py) were not on main. `deliver_email(row)` and `deliver_telegram(row)` send one
row with its `payload["attachments"]` ([{filename, content_type, content_b64}]) through smtplib and
python-telegram-bot; `deliver_summaries()` claims due rows with FOR UPDATE SKIP LOCKED (several
workers can share the queue), records sent/failed on the row and retries with backoff.
Run: `python -m ingest.summary_out [--once]`.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import io
import logging
import smtplib
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, select

from data.config import get_config
from data.db import session_scope
from data.models import Outbox

log = logging.getLogger("okno.summary_out")
KIND = "summary"
MAX_ATTEMPTS = 8
CAPTION_LIMIT = 1024  # Telegram's limit for a document caption
TEXT_LIMIT = 4096


def _files(row: Outbox) -> list[tuple[str, str, bytes]]:
    return [(a["filename"], a.get("content_type") or "application/octet-stream", base64.b64decode(a["content_b64"]))
            for a in (row.payload or {}).get("attachments", [])]


def deliver_email(row: Outbox) -> str:
    """Send one outbox row as an email with its attachments; returns the Message-ID."""
    cfg = get_config()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.mail_from, row.recipient, row.subject or ""
    msg["Message-ID"] = make_msgid(domain=cfg.mail_from.rpartition("@")[2] or "okno.local")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer it
    msg.set_content(row.body)
    for name, ctype, data in _files(row):
        maintype, _slash, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=30) as smtp:
        if cfg.smtp_user:
            smtp.starttls()
            smtp.login(cfg.smtp_user, cfg.smtp_password or "")
        smtp.send_message(msg)
    return msg["Message-ID"]


async def _telegram(row: Outbox) -> str:
    from telegram import Bot
    cfg = get_config()
    base = cfg.telegram_api_url.rstrip("/")
    async with Bot(cfg.telegram_bot_token or "", base_url=base, base_file_url=base.replace("/bot", "/file/bot")) as bot:
        text = row.body[:TEXT_LIMIT]
        message = await bot.send_message(row.recipient, text)
        for name, _ctype, data in _files(row):
            message = await bot.send_document(row.recipient, io.BytesIO(data), filename=name,
                                              caption=(row.subject or "")[:CAPTION_LIMIT])
        return str(message.message_id)


def deliver_telegram(row: Outbox) -> str:
    """Send one outbox row to a Telegram chat: the text (key numbers), then each file as a document."""
    if not get_config().telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    with ThreadPoolExecutor(max_workers=1) as pool:  # a fresh event loop, even if the caller has one running
        return pool.submit(asyncio.run, _telegram(row)).result()


SENDERS = {"email": deliver_email, "telegram": deliver_telegram}


def deliver_summaries(limit: int = 100) -> dict:
    """Deliver due summary rows one at a time (each in its own transaction). Returns counts."""
    counts = {"sent": 0, "failed": 0, "retry": 0}
    for _i in range(limit):
        with session_scope() as s:
            row = s.scalar(select(Outbox).where(Outbox.kind == KIND, Outbox.state == "queued",
                                                Outbox.next_attempt_at <= func.now())
                           .order_by(Outbox.next_attempt_at, Outbox.id).limit(1).with_for_update(skip_locked=True))
            if row is None:
                break
            row.attempts += 1
            try:
                row.external_id = SENDERS[row.channel](row)
            except Exception as err:  # noqa: BLE001 — recorded on the row; the worker keeps going
                reason = f"{type(err).__name__}: {err}"[:2000]
                row.last_error = reason
                if row.attempts >= MAX_ATTEMPTS:
                    row.state = "failed"
                    counts["failed"] += 1
                else:
                    row.next_attempt_at = datetime.now(timezone.utc) + timedelta(seconds=min(30 * 2 ** row.attempts, 3600))
                    counts["retry"] += 1
                log.warning("summary %s to %s %s: %s", row.id, row.channel, row.recipient, reason)
            else:
                row.state, row.sent_at, row.last_error = "sent", datetime.now(timezone.utc), None
                counts["sent"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.summary_out")
    parser.add_argument("--once", action="store_true", help="deliver what is due and exit")
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    while True:
        counts = deliver_summaries()
        if args.once:
            print(counts)
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
