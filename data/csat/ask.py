"""Asking: when a ticket is resolved, its requester gets one question in the channel they wrote from.

The question is a `ratings` row (one per resolution: `resolution` is the ticket's reopen count, so a
reopen and a new resolution ask again) plus an outbox message: an email with five /rate/<token> links,
or a Telegram message with buttons 1–5. The portal shows the same question on the request page.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from data import hooks
from data.config import get_config
from data.i18n import N_, translate, word_form
from data.messaging import outbox
from data.models import ApprovalFlow, Rating, Requester, Ticket

SCORES = (1, 2, 3, 4, 5)
# What each score means, shown beside it (email, rating page): the message ids, for extraction.
SCORE_LABELS = {1: N_("csat.score.1"), 2: N_("csat.score.2"), 3: N_("csat.score.3"), 4: N_("csat.score.4"),
                5: N_("csat.score.5")}
DAY_WORD = N_("csat.word.day")  # "в течение 7 дней"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rate_url(token: str) -> str:
    return f"{get_config().public_url.rstrip('/')}/rate/{token}"


def telegram_buttons(rating_id: int) -> list[list[tuple[str, str]]]:
    """One row of five buttons; the callback names the question, the chat's requester must own it."""
    return [[(str(s), f"r:{rating_id}:{s}") for s in SCORES]]


def ask(session: Session, ticket: Ticket, now: datetime | None = None) -> tuple[Rating, str] | None:
    """The question for the ticket's current resolution, queued to the requester; (row, link token).
    None when it has no requester or this resolution was already asked about."""
    if ticket.requester_id is None or ticket.resolved_at is None:
        return None
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(24)
    target = outbox.requester_address(session, ticket)
    channel = target[0] if target else "portal"
    rating_id = session.scalar(
        insert(Rating).values(ticket_id=ticket.id, resolution=ticket.reopened_count or 0,
                              resolved_at=ticket.resolved_at, requester_id=ticket.requester_id,
                              agent_id=ticket.assignee_id, channel=channel, token_hash=token_hash(token),
                              asked_at=now, expires_at=now + timedelta(days=max(get_config().csat_days, 1)))
        .on_conflict_do_nothing(constraint="uq_ratings_ticket_resolution").returning(Rating.id))
    if rating_id is None:
        return None
    rating = session.get(Rating, rating_id)
    if target is not None:
        _queue(session, ticket, rating, token, *target)
    return rating, token


def days_text(n: int, locale: str) -> str:
    """"7 days" / "7 дней": the word form the number needs (one|few|many in Russian, one|other in English)."""
    return f"{n} {word_form(n, DAY_WORD, locale)}"


def _queue(session: Session, ticket: Ticket, rating: Rating, token: str, channel: str, address: str) -> None:
    locale = session.scalar(select(Requester.locale).where(Requester.id == ticket.requester_id)) or "ru"
    days = max(get_config().csat_days, 1)
    values = dict(number=ticket.number, title=ticket.title, days=days_text(days, locale))
    if channel == "email":
        links = "\n".join(f"{s} — {translate(SCORE_LABELS[s], locale)}: {rate_url(token)}?score={s}" for s in SCORES)
        body = translate("csat.question.email", locale, links=links, **values)
        outbox.queue(session, channel="email", kind="csat", recipient=address, ticket=ticket, body=body,
                     subject=translate("csat.question.subject", locale, **values),
                     payload={"auto_submitted": True, "rating_id": rating.id})
    else:
        outbox.queue(session, channel="telegram", kind="csat", recipient=address, ticket=ticket,
                     body=translate("csat.question.telegram", locale, **values),
                     payload={"buttons": telegram_buttons(rating.id), "rating_id": rating.id})


@hooks.on("moved")
def ask_on_resolution(session: Session, trigger: str, ticket: Ticket, actor, old: dict | None = None,
                      **_context) -> None:
    """Entering done from another status is a resolution: ask once about it."""
    if old is not None and old.get("status") != "done" and ticket.status == "done" and not _rejected(session, ticket):
        ask(session, ticket)


def _rejected(session: Session, ticket: Ticket) -> bool:
    """Closed by an approver's rejection (data/approvals), never worked on: nothing for the team to be rated on."""
    return not ticket.reopened_count and session.scalar(
        select(ApprovalFlow.state).where(ApprovalFlow.ticket_id == ticket.id)) == "rejected"
