"""Admins manage staff accounts: add, change name/email/role/team, deactivate and reactivate, reset a password.

Every change is an audit row (`user.create`, `user.update`, `user.password_reset`). Users who sign in with the
company directory (a DirectoryAccount row) have no local password: it can't be reset here, and the directory
sets their role and team again at each sign-in. Admins can't lock everyone out: the last active admin
can't be switched off or demoted, and nobody switches off their own account.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit, permissions
from data.db import require_row
from data.errors import Text, ValidationError
from data.i18n import N_
from data.identity import accounts
from data.models import ROLES, DirectoryAccount, Team, User

ACTION = N_("errors.action.manage_users")


def _admin(actor: User | None) -> User:
    return permissions.require_admin(actor, ACTION)


def _directory_ids(session: Session) -> set[int]:
    return set(session.scalars(select(DirectoryAccount.user_id)))


def from_directory(session: Session, user_id: int) -> bool:
    return session.get(DirectoryAccount, user_id) is not None


def users(session: Session, actor: User) -> list[dict]:
    """Every staff account, active first, by name, with its team and where it signs in."""
    _admin(actor)
    directory = _directory_ids(session)
    rows = session.execute(select(User, Team.name).outerjoin(Team, Team.id == User.team_id)
                           .order_by(User.is_active.desc(), func.lower(User.name)))
    return [{"id": u.id, "name": u.name, "email": u.email, "role": u.role, "team_id": u.team_id, "team": team,
             "active": u.is_active, "directory": u.id in directory} for u, team in rows]


def get(session: Session, actor: User, user_id: int) -> User:
    _admin(actor)
    return require_row(session, User, user_id, "errors.no_such_user")


def _other_active_admins(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.is_active, User.id != user_id)) or 0


def _keep_an_admin(session: Session, user: User, *, role: str, active: bool) -> None:
    if user.role == "admin" and user.is_active and (role != "admin" or not active) \
            and not _other_active_admins(session, user.id):
        raise ValidationError("errors.last_admin", {"role": Text("errors.field.invalid")})


def temporary_password() -> str:
    """A password to hand over once; the user changes it on /account/password."""
    return secrets.token_urlsafe(12)


def save(session: Session, actor: User, user_id: int | None, *, name: str | None, email: str | None,
         role: str | None, team_id: int | None) -> tuple[User, str | None]:
    """Add an account (user_id None) or change one. Returns (user, its temporary password when new)."""
    _admin(actor)
    name, email = " ".join((name or "").split()), (email or "").strip().lower()
    problems: dict[str, Text] = {}
    if not name:
        problems["name"] = Text("errors.field.required")
    if role not in ROLES:
        problems["role"] = Text("errors.field.invalid")
    if team_id and session.get(Team, team_id) is None:
        problems["team"] = Text("errors.field.invalid")
    if problems:
        raise ValidationError("errors.user_invalid", problems)
    if user_id is None:
        password = temporary_password()
        user = accounts.create_user(session, email=email, name=name, password=password, role=role,
                                    team_id=team_id or None, actor=actor)
        return user, password
    user = get(session, actor, user_id)
    if "@" not in email:
        raise ValidationError("errors.email_invalid", {"email": Text("errors.field.invalid")})
    if email != user.email.lower() and accounts.find_by_email(session, email) is not None:
        raise ValidationError("errors.user_exists", {"email": Text("errors.field.taken")})
    _keep_an_admin(session, user, role=role, active=user.is_active)
    before = audit.snapshot(user)
    user.name, user.email, user.role, user.team_id = name, email, role, team_id or None
    session.flush()
    session.info.pop("okno_team_ids", None)  # the permission cache of this session: the team may have changed
    audit.saved(session, actor, "user", user, before)
    return user, None


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Switch an account off (its sessions end at once; its tickets and history stay) or on again."""
    _admin(actor)
    user = get(session, actor, user_id)
    if not active and user.id == actor.id:
        raise ValidationError("errors.deactivate_self")
    _keep_an_admin(session, user, role=user.role, active=active)
    before = audit.snapshot(user)
    user.is_active = bool(active)
    if not active:
        accounts.end_sessions(session, user)
    session.flush()
    audit.saved(session, actor, "user", user, before)
    return user


def reset_password(session: Session, actor: User, user_id: int) -> str:
    """A new temporary password (argon2-hashed; every session of the user ends), shown once to the admin."""
    _admin(actor)
    user = get(session, actor, user_id)
    if from_directory(session, user.id):
        raise ValidationError("errors.directory_password")
    password = temporary_password()
    accounts.set_password(session, user, password)
    audit.record(session, actor, "user.password_reset", user)
    return password

