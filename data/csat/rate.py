"""Answering: a score 1–5 and an optional comment, stored once per question.

Three ways in: the email link's token (`rate_with_token`), and a requester known by their channel
(Telegram chat, portal session: `rate_as`). Every score fires the "rated" hook: automation rules with the
trigger "rated" react to it — the default rule (migration kbcsat_0001) tells the team lead about a score of 2 or
less. A comment may follow the score (`add_comment`: the Telegram bot asks for it after the buttons).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import hooks, limits
from data.errors import NotFound, Text, ValidationError
from data.models import Rating, Ticket
from data.csat.ask import SCORES, token_hash

LOW = 2  # the default rule's threshold: a rating at or below this tells the team lead
COMMENT_HOURS = 24  # how long after the score a comment may still be added to it


def _now() -> datetime:
    return datetime.now(timezone.utc)


def question_for_token(session: Session, token: str, now: datetime | None = None, lock: bool = False) -> Rating:
    """The open question a link's token names, or a clear refusal: unknown (forged or mistyped), already
    answered, or expired."""
    stmt = select(Rating).where(Rating.token_hash == token_hash(token or ""))
    rating = session.scalar(stmt.with_for_update() if lock else stmt)
    if rating is None:
        raise NotFound("csat.error.unknown")
    return _open(rating, now)


def _open(rating: Rating, now: datetime | None) -> Rating:
    if rating.score is not None:
        raise ValidationError("csat.error.used")
    if rating.expires_at <= (now or _now()):
        raise ValidationError("csat.error.expired")
    return rating


def open_question(session: Session, requester_id: int, ticket_id: int, now: datetime | None = None) -> Rating | None:
    """The requester's unanswered, unexpired question about this ticket's latest resolution (portal)."""
    rating = session.scalar(select(Rating).where(Rating.ticket_id == ticket_id, Rating.requester_id == requester_id)
                            .order_by(Rating.resolution.desc()).limit(1))
    if rating is None or rating.score is not None or rating.expires_at <= (now or _now()):
        return None
    return rating


def rate_with_token(session: Session, token: str, score, comment: str | None = None,
                    now: datetime | None = None) -> Rating:
    return _record(session, question_for_token(session, token, now, lock=True), score, comment, now)


def rate_as(session: Session, requester_id: int, rating_id: int, score, comment: str | None = None,
            now: datetime | None = None) -> Rating:
    """A requester answers their own question (Telegram button, portal widget); another's is unknown."""
    rating = session.scalar(select(Rating).where(Rating.id == rating_id).with_for_update())
    if rating is None or rating.requester_id != requester_id:
        raise NotFound("csat.error.unknown")
    return _record(session, _open(rating, now), score, comment, now)


def _score(value) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score not in SCORES or isinstance(value, float) and value != score:
        raise ValidationError("csat.error.score", {"score": Text("csat.error.score")})
    return score


def _record(session: Session, rating: Rating, score, comment: str | None, now: datetime | None) -> Rating:
    rating.score = _score(score)
    comment = (comment or "").strip() or None
    rating.comment = limits.check(comment, "rating_comment", "comment")
    rating.rated_at = now or _now()
    session.flush()
    ticket = session.get(Ticket, rating.ticket_id)
    if ticket is not None:
        hooks.fire(session, "rated", ticket, None, rating=rating)
    return rating


def add_comment(session: Session, requester_id: int, rating_id: int, comment: str | None,
                now: datetime | None = None) -> Rating:
    """The requester's comment on the score they just gave (once, within COMMENT_HOURS; another's is unknown)."""
    rating = session.scalar(select(Rating).where(Rating.id == rating_id).with_for_update())
    if rating is None or rating.requester_id != requester_id or rating.score is None:
        raise NotFound("csat.error.unknown")
    if rating.comment or (now or _now()) - rating.rated_at > timedelta(hours=COMMENT_HOURS):
        raise ValidationError("csat.error.used")
    comment = (comment or "").strip() or None
    rating.comment = limits.check(comment, "rating_comment", "comment")
    session.flush()
    return rating
