"""Sending the weekly summary through the outbox: every Monday morning (company time zone) for the
week that ended, to every active subscription, by email (the PDF attached) and/or Telegram (the key
numbers and the PDF). The channel workers (ingest/email/out.py, ingest/telegram/out.py) deliver
the outbox rows with their `payload["attachments"]`; the state shows on /weekly/subscriptions.

`deliver_due(session, now)` is what the scheduler calls every tick: cheap when nothing is due,
idempotent (one scheduled delivery per subscription, week and channel — a unique index), safe
with several schedulers. `send(session, week, manual=True)` is the manual run (CLI, button).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import exists, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from data import permissions
from data.messaging import outbox
from data.weekly import summary as weekly
from data.weekly import report as weekly_report
from data.weekly import subscriptions as weekly_subscriptions
from data.weekly import text as weekly_text
from data.config import get_config
from data.i18n import translate
from data.models import User, WeeklyDelivery, WeeklySubscription

log = logging.getLogger(__name__)


def due_week(now: datetime | None = None) -> weekly.Week | None:
    """The week to send now: the last full one, once this week's Monday send hour has passed."""
    local = weekly.local_now(now)
    monday = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=local.weekday())
    if local < monday + timedelta(hours=get_config().weekly_send_hour):
        return None
    return weekly.last_full_week(now)


def deliver_due(session: Session, now: datetime | None = None) -> dict:
    """Queue this week's scheduled summaries that are not queued yet. Returns what was done."""
    week = due_week(now)
    if week is None:
        return {"week": None, "queued": 0}
    return send(session, week)


def _pending(session: Session, week: weekly.Week, manual: bool, ids: list[int] | None):
    stmt = select(WeeklySubscription, User).join(User, User.id == WeeklySubscription.user_id).where(
        WeeklySubscription.is_active, User.is_active)
    if ids:
        stmt = stmt.where(WeeklySubscription.id.in_(ids))
    if not manual:  # the cheap check every scheduler tick makes
        stmt = stmt.where(~exists().where(WeeklyDelivery.subscription_id == WeeklySubscription.id,
                                          WeeklyDelivery.week == week.label, ~WeeklyDelivery.manual))
    return session.execute(stmt.order_by(WeeklySubscription.id)).all()


def _claim(session: Session, sub: WeeklySubscription, week: weekly.Week, channel: str, recipient: str | None,
           manual: bool) -> int | None:
    """The delivery row; None when another run already claimed this scheduled delivery."""
    stmt = insert(WeeklyDelivery).values(subscription_id=sub.id, week=week.label, channel=channel,
                                         recipient=recipient, manual=manual)
    if not manual:
        stmt = stmt.on_conflict_do_nothing(index_elements=["subscription_id", "week", "channel"],
                                           index_where=text("NOT manual"))
    return session.scalar(stmt.returning(WeeklyDelivery.id))


def _file(summary: dict, locale: str) -> dict:
    """The PDF (or, without Chromium, the offline HTML file) as an outbox attachment."""
    document = weekly_report.html(summary, locale)
    try:
        body, ext, ctype = weekly_report.pdf(document), "pdf", "application/pdf"
    except Exception as err:  # noqa: BLE001 — no Chromium, or it failed: the offline HTML file still goes out
        log.warning("weekly summary sent as HTML, the PDF failed: %s", err)
        body, ext, ctype = document.encode("utf-8"), "html", "text/html"
    return outbox.attachment(weekly_report.filename(summary, ext), ctype, body)


def page_url(summary: dict) -> str:
    query = {"week": summary["week"]} | ({"teams": ",".join(map(str, summary["team_ids"]))} if summary["team_ids"] else {})
    return f"{get_config().public_url.rstrip('/')}/weekly?{urlencode(query)}"


def send(session: Session, week: weekly.Week, *, manual: bool = False, subscription_ids: list[int] | None = None) -> dict:
    """Queue the summary of `week` to the subscriptions (all active ones, or the given ids)."""
    rendered: dict[tuple, tuple[dict, dict]] = {}  # (teams, locale) → (summary, attachment): render once
    queued, skipped = 0, []
    for sub, user in _pending(session, week, manual, subscription_ids):
        targets = [("email", weekly_subscriptions.email_of(sub, user)) if sub.by_email else None,
                   ("telegram", weekly_subscriptions.chat_of(sub, user)) if sub.by_telegram else None]
        for channel, recipient in filter(None, targets):
            delivery_id = _claim(session, sub, week, channel, recipient, manual)
            if delivery_id is None:
                continue
            delivery = session.get(WeeklyDelivery, delivery_id)
            if not recipient:
                delivery.error = f"no {channel} address"
                skipped.append(delivery_id)
                continue
            if not permissions.can_open(user, "weekly"):
                delivery.error = "the person's role may not read the weekly summary"
                skipped.append(delivery_id)
                continue
            key = (tuple(sub.team_ids or ()), sub.locale)
            if key not in rendered:
                summary = weekly.summary(session, user, week, list(key[0]))
                rendered[key] = (summary, _file(summary, sub.locale))
            summary, attachment = rendered[key]
            subject = translate("weekly.msg.subject", sub.locale, week=summary["week"], start=summary["start"],
                                end=summary["end"])
            body = weekly_text.digest(summary, sub.locale, page_url(summary))
            if channel == "email":
                body += "\n\n" + translate("weekly.msg.attached", sub.locale)
            row = outbox.queue(session, channel=channel, kind="summary", recipient=recipient, subject=subject,
                               body=body, payload={"attachments": [attachment], "week": summary["week"]})
            session.flush()
            delivery.outbox_id = row.id
            queued += 1
    session.flush()
    log.info("weekly summary %s: %d message(s) queued, %d skipped", week.label, queued, len(skipped))
    return {"week": week.label, "queued": queued, "skipped": len(skipped)}


def send_now(session: Session, actor: User) -> dict:
    """The "send now" button: the last full week, at once, to the subscriptions this actor manages
    (an admin: everyone's; a manager or director: their own)."""
    ids = [r["id"] for r in weekly_subscriptions.listing(session, actor)]  # checks the actor's role
    return send(session, weekly.last_full_week(), manual=True, subscription_ids=ids) if ids else {"queued": 0}
