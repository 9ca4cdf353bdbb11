"""Staff accounts: creation, password checks, locale."""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from data import audit
from data.errors import Text, ValidationError
from data.models import ROLES, User

log = logging.getLogger(__name__)

# Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("okno-dummy-password")


def create_user(session: Session, *, email: str, name: str, password: str, role: str,
                team_id: int | None = None, locale: str | None = None, actor: User | str | None = None) -> User:
    """`actor`: who creates the account, for the audit log (a User, or a label such as the command line)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValidationError("errors.unknown_role", {"role": Text("errors.field.invalid")}, role=role,
                              roles=", ".join(ROLES))
    if "@" not in email:
        raise ValidationError("errors.email_invalid", {"email": Text("errors.field.invalid")})
    if len(password) < 4:
        raise ValidationError("errors.password_short", {"password": Text("errors.field.too_short")})
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ValidationError("errors.user_exists", {"email": Text("errors.field.taken")})
    user = User(email=email, name=name, password_hash=generate_password_hash(password), role=role,
                team_id=team_id, locale=locale)
    session.add(user)
    session.flush()
    audit.saved(session, actor or "system", "user", user, None)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Never tells which part was wrong."""
    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def active_user(session: Session, user_id: int | str | None) -> User | None:
    """The account behind a signed-in session, loaded in this session; None when it is gone or switched off
    (so a disabled account loses access at its next request)."""
    if user_id is None or not str(user_id).isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def set_locale(session: Session, user: User, locale: str | None) -> None:
    if locale not in (None, "ru", "en"):
        raise ValidationError("errors.unsupported_language", {"locale": Text("errors.field.invalid")})
    user.locale = locale
