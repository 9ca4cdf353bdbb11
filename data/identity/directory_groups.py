"""Admin side of directory sign-in: the group → role/team mapping table and the connection check.
Only admins may read or change them (checked here, whatever the page shows)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import permissions
from data.config import get_config
from data.errors import NotFound, Text, ValidationError
from data.i18n import N_
from data.identity import ldap_client
from data.models import ROLES, DirectoryGroup, Team, User

ACTION = N_("errors.action.manage_directory")


def groups(session: Session, actor: User) -> list[DirectoryGroup]:
    permissions.require_admin(actor, ACTION)
    return list(session.scalars(select(DirectoryGroup).order_by(func.lower(DirectoryGroup.group_dn))))


def save_group(session: Session, actor: User, group_id: int | None, *, group_dn: str | None, role: str | None,
               team_id: int | None = None) -> DirectoryGroup:
    """Add (group_id None) or change a mapping: members of the group get this role and team at sign-in."""
    permissions.require_admin(actor, ACTION)
    group_dn = " ".join((group_dn or "").split())
    problems: dict[str, Text] = {}
    if not group_dn:
        problems["group_dn"] = Text("errors.field.required")
    elif "=" not in group_dn or len(group_dn) > 500:
        problems["group_dn"] = Text("errors.field.invalid")
    if role not in ROLES:
        problems["role"] = Text("errors.field.invalid")
    if team_id and session.get(Team, team_id) is None:
        problems["team"] = Text("errors.field.invalid")
    if problems:
        raise ValidationError("errors.directory_group_invalid", problems)
    row = DirectoryGroup() if group_id is None else session.get(DirectoryGroup, group_id)
    if row is None:
        raise NotFound("errors.no_such_directory_group")
    key = ldap_client.normalise_dn(group_dn)
    for other in session.scalars(select(DirectoryGroup).where(DirectoryGroup.id != (group_id or 0))):
        if ldap_client.normalise_dn(other.group_dn) == key:
            raise ValidationError("errors.directory_group_exists", {"group_dn": Text("errors.field.taken")})
    row.group_dn, row.role, row.team_id = group_dn, role, team_id or None
    session.add(row)
    session.flush()
    return row


def delete_group(session: Session, actor: User, group_id: int) -> None:
    """Members of only this group are switched off at their next sign-in."""
    permissions.require_admin(actor, ACTION)
    row = session.get(DirectoryGroup, group_id)
    if row is None:
        raise NotFound("errors.no_such_directory_group")
    session.delete(row)
    session.flush()


def settings(actor: User) -> dict:
    """The connection settings an admin may see (never the password)."""
    permissions.require_admin(actor, ACTION)
    cfg = get_config()
    return {"url": cfg.ldap_url, "start_tls": cfg.ldap_start_tls, "base_dn": cfg.ldap_base_dn,
            "bind_dn": cfg.ldap_bind_dn, "user_filter": cfg.ldap_user_filter,
            "groups": cfg.ldap_group_filter or cfg.ldap_group_attr, "ca_file": cfg.ldap_ca_file}


def check_connection(actor: User) -> str | None:
    """Bind with the service account and read the base DN. None when that works, else the directory's
    answer; a ValidationError when directory sign-in is off (LDAP_URL unset)."""
    permissions.require_admin(actor, ACTION)
    cfg = get_config()
    if not cfg.ldap_url:
        raise ValidationError("errors.directory_off")
    return ldap_client.check(cfg)
