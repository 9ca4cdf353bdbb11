"""Personal access tokens: staff call the metrics API as themselves (docs/api.md).

A token acts as its owner: every call is checked against the owner's role and teams as they are then,
so a token of someone who moved team sees the new team, and a switched-off account's tokens stop working.
Created on the profile page or with `python -m data create-token`; shown once; revocable; creation and
revocation go to the audit log. Requesters have no staff account, so they cannot hold one.
Storage is the integration tokens' (data/identity/bearer.py): a SHA-256 of the secret and its prefix.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit, permissions
from data.errors import LimitExceeded, NotFound, PermissionDenied, Text, ValidationError
from data.identity import bearer
from data.models import PersonalToken, User

KIND = "okno_pat_"  # personal secrets start with this; integration ones with plain "okno_"
MAX_NAME = 200
MAX_LIVE = 20  # live tokens per person: enough for every BI tool, few enough to review


def _clean_name(name: str | None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError("errors.token_name", {"name": Text("errors.field.required")})
    if len(name) > MAX_NAME:
        raise ValidationError("errors.token_name", {"name": Text("errors.field.too_long")})
    return name


def _require_holder(user: User | None) -> User:
    """Active staff only (a requester is never a User, so never passes)."""
    return permissions.require_role(user, permissions.READERS, "errors.action.hold_tokens")


def create(session: Session, actor: User | str, owner: User, name: str | None) -> tuple[PersonalToken, str]:
    """A new token for `owner`; returns (row, secret). The secret is not stored and cannot be shown again.

    `actor` is the owner themselves (the profile page) or a label such as the command line; nobody
    creates tokens for someone else in the app."""
    _require_holder(owner)
    if isinstance(actor, User) and actor.id != owner.id:
        raise PermissionDenied("errors.token_not_yours")
    name = _clean_name(name)
    live = session.scalar(select(func.count()).select_from(PersonalToken).where(
        PersonalToken.user_id == owner.id, PersonalToken.revoked_at.is_(None)))
    if live >= MAX_LIVE:
        raise LimitExceeded("errors.token_limit", max=MAX_LIVE)
    secret, token_hash, prefix = bearer.new_secret(KIND)
    row = PersonalToken(user_id=owner.id, name=name, token_hash=token_hash, prefix=prefix)
    session.add(row)
    session.flush()
    audit.saved(session, actor, "personal_token", row, None)
    return row, secret


def listing(session: Session, actor: User) -> list[PersonalToken]:
    """The actor's own tokens, newest first, revoked ones included."""
    _require_holder(actor)
    return list(session.scalars(select(PersonalToken).where(PersonalToken.user_id == actor.id)
                                .order_by(PersonalToken.id.desc())))


def revoke(session: Session, actor: User, token_id: int) -> PersonalToken:
    """Revoke one of the actor's tokens (an admin may revoke anyone's); revoking twice changes nothing."""
    _require_holder(actor)
    row = session.get(PersonalToken, token_id)
    if row is None or (row.user_id != actor.id and actor.role != "admin"):
        raise NotFound("errors.no_such_token")  # someone else's token is not even confirmed to exist
    if row.revoked_at is None:
        before = audit.snapshot(row)
        row.revoked_at = datetime.now(timezone.utc)
        session.flush()
        audit.record(session, actor, "personal_token.revoke", row, before=before, after=audit.snapshot(row))
    return row


def authenticate(session: Session, secret: str | None) -> User | None:
    """The active staff owner of this live token, or None; marks the token used."""
    if not bearer.well_formed(secret, KIND):
        return None
    found = session.execute(select(PersonalToken, User).join(User, User.id == PersonalToken.user_id).where(
        PersonalToken.token_hash == bearer.digest(secret), PersonalToken.revoked_at.is_(None))).first()
    if found is None or not found.User.is_active or found.User.role not in permissions.READERS:
        return None
    found.PersonalToken.last_used_at = datetime.now(timezone.utc)
    return found.User
