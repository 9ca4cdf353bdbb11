"""Staff accounts: creation, sign-in, password changes, locale.

`sign_in` is the one way in with a password (the login page calls it; directory sign-in and the
audit log hook in here): throttle check, password check, rehash of old hashes, failure count.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit
from data.errors import Text, ValidationError
from data.identity import directory, passwords, throttle
from data.models import ROLES, DirectoryAccount, User

log = logging.getLogger("okno.signin")

# Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = passwords.hash_password("okno-dummy-password")


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def create_user(session: Session, *, email: str, name: str, password: str, role: str,
                team_id: int | None = None, locale: str | None = None, actor: User | str | None = None) -> User:
    """`actor`: who creates the account, for the audit log (a User, or a label such as the command line)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValidationError("errors.unknown_role", {"role": Text("errors.field.invalid")}, role=role,
                              roles=", ".join(ROLES))
    if "@" not in email:
        raise ValidationError("errors.email_invalid", {"email": Text("errors.field.invalid")})
    passwords.check_policy(password, email=email)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ValidationError("errors.user_exists", {"email": Text("errors.field.taken")})
    user = User(email=email, name=name, password_hash=passwords.hash_password(password), role=role,
                team_id=team_id, locale=locale)
    session.add(user)
    session.flush()
    audit.saved(session, actor or "system", "user", user, None)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Never tells which part was wrong.

    No throttling here: sign-in from a client goes through sign_in()."""
    user = find_by_email(session, email)
    if user is None or not user.is_active:
        passwords.verify(_DUMMY_HASH, password or "")
        return None
    if not passwords.verify(user.password_hash, password or ""):
        return None
    if passwords.needs_rehash(user.password_hash):  # werkzeug hashes of older versions become argon2
        user.password_hash = passwords.hash_password(password)
        session.flush()
    return user


def active_user(session: Session, user_id: int | str | None) -> User | None:
    """The account behind a signed-in session, loaded in this session; None when it is gone or switched off
    (so a disabled account loses access at its next request)."""
    if user_id is None or not str(user_id).isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


@dataclass
class SignIn:
    user: User | None = None
    wait: throttle.Wait | None = None  # set when refused for too many failures (then the password was not checked)


def sign_in(session: Session, email: str, password: str, address: str | None) -> SignIn:
    """Check a password typed by someone at `address` (the client IP), counting failures.

    The caller commits whatever the outcome: the failure count must be kept."""
    key = (email or "").strip().lower()[:254]
    wait = throttle.check(session, key, address)
    if wait is not None:
        log.warning("sign-in for %r from %s refused: %s %s (%d s)", key, address, wait.scope,
                    "locked" if wait.locked else "must wait", wait.seconds)
        return SignIn(wait=wait)
    # A local account first; otherwise the company directory, when one is configured.
    user = authenticate(session, key, password) or directory.authenticate(session, (email or "").strip(), password)
    if user is None:
        throttle.failed(session, key, address)
        log.warning("failed sign-in for %r from %s", key, address)
        return SignIn()
    throttle.succeeded(session, key)
    return SignIn(user=user)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password (policy checked); every session of the user ends, a stolen cookie included."""
    passwords.check_policy(password, email=user.email)
    user.password_hash = passwords.hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def signs_in_with_directory(session: Session, user: User) -> bool:
    """The user came from the company directory: their password lives there, not in Okno."""
    return session.get(DirectoryAccount, user.id) is not None


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    """The user changes their password: the current one must be right. Directory users change theirs
    in the directory (Okno never sees it)."""
    if signs_in_with_directory(session, user):
        raise ValidationError("errors.password_in_directory", {"current": Text("errors.field.invalid")})
    if not passwords.verify(user.password_hash, current or ""):
        raise ValidationError("errors.password_wrong", {"current": Text("errors.field.invalid")})
    set_password(session, user, new)


def end_sessions(session: Session, user: User) -> None:
    """Logout: every cookie issued to this user so far stops working."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


def set_locale(session: Session, user: User, locale: str | None) -> None:
    if locale not in (None, "ru", "en"):
        raise ValidationError("errors.unsupported_language", {"locale": Text("errors.field.invalid")})
    user.locale = locale
