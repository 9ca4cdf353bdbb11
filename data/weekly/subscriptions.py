"""Who gets the weekly summary: subscriptions (person, teams, email and/or Telegram, language) and
the record of what was sent. Admins manage everyone's; managers and directors their own."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import permissions
from data.errors import NotFound, PermissionDenied, Text, ValidationError
from data.models import Outbox, Team, User, WeeklyDelivery, WeeklySubscription

MANAGERS = permissions.PAGES["weekly_subscriptions"]
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHAT_RE = re.compile(r"^-?\d{1,20}$")


def _require(actor: User) -> User:
    return permissions.require_role(actor, MANAGERS, "errors.action.manage_weekly_subscriptions")


def _check_owner(actor: User, user_id: int) -> None:
    if actor.role != "admin" and user_id != actor.id:
        raise PermissionDenied("errors.subscribe_others")


def email_of(sub: WeeklySubscription, user: User) -> str | None:
    return sub.email or user.email


def chat_of(sub: WeeklySubscription, user: User) -> str | None:
    return sub.telegram_chat_id or user.telegram_chat_id


def save(session: Session, actor: User, *, user_id: int, team_ids: list[int] | None = None, by_email: bool = True,
         by_telegram: bool = False, email: str | None = None, telegram_chat_id: str | None = None,
         locale: str = "ru", subscription_id: int | None = None) -> WeeklySubscription:
    """Create or change a subscription; every problem is reported next to its field."""
    _require(actor)
    _check_owner(actor, user_id)
    problems: dict[str, Text] = {}
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        problems["user"] = Text("errors.sub.no_user")
    elif not permissions.can_open(user, "weekly"):
        problems["user"] = Text("errors.sub.role")
    team_ids = sorted({int(t) for t in team_ids or []})
    if team_ids and len(session.scalars(select(Team.id).where(Team.id.in_(team_ids))).all()) != len(team_ids):
        problems["teams"] = Text("errors.unknown_team")
    email = (email or "").strip() or None
    chat = (telegram_chat_id or "").strip() or None
    if not (by_email or by_telegram):
        problems["channels"] = Text("errors.sub.channels")
    if email and not EMAIL_RE.match(email):
        problems["email"] = Text("errors.sub.email")
    if chat and not CHAT_RE.match(chat):
        problems["telegram"] = Text("errors.chat_id_number")
    if user is not None and by_telegram and not (chat or user.telegram_chat_id):
        problems["telegram"] = Text("errors.sub.no_chat")
    if locale not in ("ru", "en"):
        problems["locale"] = Text("errors.field.locale")
    if problems:
        raise ValidationError("errors.correct_fields", problems)
    sub = get(session, actor, subscription_id) if subscription_id else WeeklySubscription(created_by_id=actor.id)
    sub.user_id, sub.team_ids, sub.by_email, sub.by_telegram = user_id, team_ids, by_email, by_telegram
    sub.email, sub.telegram_chat_id, sub.locale, sub.is_active = email, chat, locale, True
    session.add(sub)
    session.flush()
    return sub


def get(session: Session, actor: User, subscription_id: int) -> WeeklySubscription:
    _require(actor)
    sub = session.get(WeeklySubscription, subscription_id)
    if sub is None or (actor.role != "admin" and sub.user_id != actor.id):
        raise NotFound("errors.no_such_subscription")
    return sub


def delete(session: Session, actor: User, subscription_id: int) -> None:
    session.delete(get(session, actor, subscription_id))
    session.flush()


def listing(session: Session, actor: User) -> list[dict]:
    """Subscriptions this actor may see, with the person's name and the teams' names."""
    _require(actor)
    stmt = select(WeeklySubscription, User).join(User, User.id == WeeklySubscription.user_id)
    if actor.role != "admin":
        stmt = stmt.where(WeeklySubscription.user_id == actor.id)
    teams = dict(session.execute(select(Team.id, Team.name)).all())
    out = []
    for sub, user in session.execute(stmt.order_by(User.name, WeeklySubscription.id)):
        channels = [c for c, on, address in (("email", sub.by_email, email_of(sub, user)),
                                             ("telegram", sub.by_telegram, chat_of(sub, user))) if on]
        out.append({"id": sub.id, "user": user.name, "user_id": user.id, "teams": [teams.get(t, f"#{t}") for t in sub.team_ids],
                    "channels": channels, "email": email_of(sub, user) if sub.by_email else None,
                    "telegram": chat_of(sub, user) if sub.by_telegram else None, "locale": sub.locale,
                    "active": sub.is_active})
    return out


def deliveries(session: Session, actor: User, limit: int = 50) -> list[dict]:
    """What was sent, newest first, with the outbox state (queued / sent / failed and why)."""
    _require(actor)
    stmt = (select(WeeklyDelivery, WeeklySubscription.user_id, User.name, Outbox.state, Outbox.last_error,
                   Outbox.sent_at, Outbox.attempts)
            .join(WeeklySubscription, WeeklySubscription.id == WeeklyDelivery.subscription_id)
            .join(User, User.id == WeeklySubscription.user_id)
            .outerjoin(Outbox, Outbox.id == WeeklyDelivery.outbox_id)
            .order_by(WeeklyDelivery.id.desc()).limit(limit))
    if actor.role != "admin":
        stmt = stmt.where(WeeklySubscription.user_id == actor.id)
    return [{"id": d.id, "week": d.week, "user": name, "channel": d.channel, "recipient": d.recipient,
             "state": state or "not queued", "error": d.error or last_error, "attempts": attempts or 0,
             "created_at": d.created_at, "sent_at": sent_at, "manual": d.manual}
            for d, _uid, name, state, last_error, sent_at, attempts in session.execute(stmt)]


def people(session: Session, actor: User) -> list[dict]:
    """Whom this actor may subscribe: admins anyone who may read the summary, others themselves."""
    _require(actor)
    if actor.role != "admin":
        return [{"value": actor.id, "label": actor.name}]
    stmt = (select(User.id, User.name, User.email).where(User.is_active, User.role.in_(permissions.PAGES["weekly"]))
            .order_by(User.name))
    return [{"value": i, "label": f"{n} <{e}>"} for i, n, e in session.execute(stmt)]
