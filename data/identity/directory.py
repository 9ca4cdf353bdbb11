"""Sign-in with the company directory (LDAP / Active Directory).

The service account finds the user's entry and groups; the password is checked by binding as the user
(never by comparing hashes). Groups map to a role and team through the admins' table (DirectoryGroup).
A first sign-in creates the staff user without a local password; each later one updates role and team,
and switches the user off when the directory disables the account, no longer has it, or it left every
mapped group. Local accounts (users with a password in Okno, such as the first admin) never reach the
directory. The mapping table is edited through data/identity/directory_groups.py.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from ldap3.core.exceptions import LDAPException
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.config import Config, get_config
from data.identity import ldap_client
from data.models import DirectoryAccount, DirectoryGroup, User

log = logging.getLogger("okno.directory")

# When several mapped groups apply, the role that can do the most wins.
ROLE_RANK = ("admin", "manager", "agent", "director", "analyst")


def enabled(cfg: Config | None = None) -> bool:
    cfg = cfg or get_config()
    return bool(cfg.ldap_url)


def is_local(user: User) -> bool:
    """A local account signs in with its Okno password; directory users have none (an empty hash)."""
    return bool(user.password_hash)


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The directory user for this login and password, created or updated from the directory; or None.

    None also when directory sign-in is off, the login belongs to a local account, or the directory
    can't be reached (logged). Flushes, never commits: the caller's transaction keeps the changes, even
    for a refused sign-in (that is how a user the directory dropped is switched off)."""
    cfg = get_config()
    login = (login or "").strip()
    if not enabled(cfg) or not login or len(login) > 254:
        return None
    local = session.scalar(select(User).where(func.lower(User.email) == login.lower()))
    if local is not None and is_local(local):
        return None
    try:
        conn = ldap_client.service_connection(cfg)
        try:
            entry = ldap_client.find_user(conn, cfg, login)
        finally:
            conn.unbind()
        if entry is None:
            _switch_off(session, _account_by_login(session, login), "not_found")
            return None
        account = _account_by_dn(session, entry.dn)
        if entry.disabled:
            _switch_off(session, account, "disabled")
            return None
        if not ldap_client.password_ok(cfg, entry.dn, password):
            return None
    except LDAPException as err:
        log.warning("directory sign-in for %r: the directory did not answer: %s", login[:100], err)
        return None
    role, team_id = _mapped(session, entry.groups)
    if role is None:
        _switch_off(session, account, "no_group")
        log.info("directory sign-in for %r refused: in no mapped group", login[:100])
        return None
    return _sync(session, account, entry, login, role, team_id)


def _account_by_dn(session: Session, dn: str) -> DirectoryAccount | None:
    return session.scalar(select(DirectoryAccount).where(func.lower(DirectoryAccount.dn) == dn.lower()))


def _account_by_login(session: Session, login: str) -> DirectoryAccount | None:
    """The directory user who signed in with this name, or whose email it is."""
    return session.scalar(select(DirectoryAccount).join(User, User.id == DirectoryAccount.user_id).where(
        or_(DirectoryAccount.login == login.lower(), func.lower(User.email) == login.lower())).limit(1))


def _switch_off(session: Session, account: DirectoryAccount | None, reason: str) -> None:
    if account is None:
        return
    user = session.get(User, account.user_id)
    if user.is_active:
        user.is_active = False
        account.disabled_reason = reason
        log.info("directory user %s switched off: %s", user.id, reason)
    session.flush()


def _mapped(session: Session, groups: list[str]) -> tuple[str | None, int | None]:
    """(role, team id) from the mapped groups the user is in: the highest role; the team of the
    highest-role group that names one."""
    keys = {ldap_client.normalise_dn(g) for g in groups}
    rows = [r for r in session.scalars(select(DirectoryGroup).order_by(DirectoryGroup.id))
            if ldap_client.normalise_dn(r.group_dn) in keys]
    if not rows:
        return None, None
    rows.sort(key=lambda r: ROLE_RANK.index(r.role))
    return rows[0].role, next((r.team_id for r in rows if r.team_id), None)


def _sync(session: Session, account: DirectoryAccount | None, entry: ldap_client.Entry, login: str, role: str,
          team_id: int | None) -> User | None:
    now = datetime.now(timezone.utc)
    if account is None:
        email = (entry.mail or (entry.principal if "@" in (entry.principal or "") else None) or "").strip().lower()
        if not email:
            log.warning("directory entry %s has no mail or userPrincipalName: no user created", entry.dn)
            return None
        if session.scalar(select(User.id).where(func.lower(User.email) == email)):
            # Never take over an existing Okno user (a local admin, say) because the directory has their address.
            log.warning("directory entry %s: the email %s belongs to an Okno user not from the directory", entry.dn,
                        email)
            return None
        user = User(email=email, name=(entry.name or login)[:200], password_hash="", role=role, team_id=team_id)
        session.add(user)
        session.flush()
        session.add(DirectoryAccount(user_id=user.id, dn=entry.dn, login=login.lower(), synced_at=now,
                                     manager_dn=entry.manager))
        log.info("directory user %s created from %s as %s", user.id, entry.dn, role)
        session.flush()
        return user
    user = session.get(User, account.user_id)
    if not user.is_active and account.disabled_reason is None:
        return None  # switched off in Okno by an admin: the directory does not switch them back on
    user.is_active, account.disabled_reason = True, None
    user.role, user.team_id = role, team_id
    user.name = (entry.name or user.name)[:200]
    account.dn, account.login, account.synced_at = entry.dn, login.lower(), now
    account.manager_dn = entry.manager  # for approvals (data/approvals/people.py)
    session.flush()
    return user
