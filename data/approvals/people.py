"""Who approves a step: a named person, everyone with a role, the members of a group (team), or the
requester's manager — set on the requester by hand, else taken from the company directory: the staff user
with the requester's email came from a directory entry whose `manager` names another directory user."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.identity.ldap_client import normalise_dn
from data.models import DirectoryAccount, Requester, Ticket, User


def manager_of(session: Session, requester_id: int | None) -> User | None:
    requester = session.get(Requester, requester_id) if requester_id else None
    if requester is None:
        return None
    if requester.manager_id:
        manager = session.get(User, requester.manager_id)
        return manager if manager is not None and manager.is_active else None
    if not requester.email:
        return None
    manager_dn = session.scalar(
        select(DirectoryAccount.manager_dn).join(User, User.id == DirectoryAccount.user_id)
        .where(func.lower(User.email) == requester.email.lower(), DirectoryAccount.manager_dn.is_not(None)).limit(1))
    if not manager_dn:
        return None
    account = session.scalar(select(DirectoryAccount).where(func.lower(DirectoryAccount.dn) == manager_dn.lower()))
    if account is None:  # the same DN written with other spacing
        account = next((a for a in session.scalars(select(DirectoryAccount))
                        if normalise_dn(a.dn) == normalise_dn(manager_dn)), None)
    user = session.get(User, account.user_id) if account is not None else None
    return user if user is not None and user.is_active else None


def approvers(session: Session, ticket: Ticket, step: dict) -> list[User]:
    """The active staff users who decide this step for this ticket, by id (may be empty)."""
    kind, ref = step.get("kind"), step.get("ref")
    active = select(User).where(User.is_active.is_(True)).order_by(User.id)
    if kind == "person":
        users = list(session.scalars(active.where(User.id == int(ref or 0))))
    elif kind == "role":
        users = list(session.scalars(active.where(User.role == str(ref))))
    elif kind == "group":
        users = list(session.scalars(active.where(User.team_id == int(ref or 0))))
    elif kind == "manager":
        manager = manager_of(session, ticket.requester_id)
        users = [manager] if manager is not None else []
    else:
        users = []
    return users
