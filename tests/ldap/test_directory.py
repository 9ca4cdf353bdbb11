"""Sign-in with the company directory against a real slapd: users are created, updated and switched off
from their directory entry and groups; local accounts never reach the directory."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.identity import accounts, directory
from data.identity import directory_groups as mapping
from data.models import DirectoryAccount, User
from tests import factories as f


def _map(session, group_dn, role, team=None):
    admin = f.user(session, "admin")
    return mapping.save_group(session, admin, None, group_dn=group_dn, role=role, team_id=team.id if team else None)


def test_first_sign_in_creates_the_user_with_the_mapped_role_and_team(session, ldap_env, unique):
    sam = unique("first")
    dn = ldap_env.add_ad_user(sam, "Pa55-word", name=f"Ivan {sam}")
    group = ldap_env.add_group(unique("okno-agents-"), dn)
    team = f.team(session, name=unique("L1 "))
    # The admin typed the DN with other case and spaces than the directory reports in memberOf.
    _map(session, group.upper().replace(",", ", "), "agent", team)

    user = directory.authenticate(session, sam, "Pa55-word")

    assert user is not None and user.is_active
    assert (user.email, user.name, user.role, user.team_id) == (f"{sam}@okno.test", f"Ivan {sam}", "agent", team.id)
    assert user.password_hash == ""  # no local password: only the directory can let them in
    assert session.get(DirectoryAccount, user.id).dn == dn
    # The same person by their userPrincipalName or mail is the same Okno user, not a second one.
    assert directory.authenticate(session, f"{sam}@corp.okno.test", "Pa55-word").id == user.id
    assert directory.authenticate(session, f"{sam}@okno.test", "Pa55-word").id == user.id
    assert session.scalar(select(User).where(User.email == f"{sam}@okno.test")).id == user.id


def test_wrong_or_empty_password_and_filter_tricks_are_refused(session, ldap_env, unique):
    sam = unique("wrong")
    dn = ldap_env.add_ad_user(sam, "right-password", name=f"Olga {sam}")
    _map(session, ldap_env.add_group(unique("okno-wrong-"), dn), "agent")

    assert directory.authenticate(session, sam, "wrong-password") is None
    assert directory.authenticate(session, sam, "") is None  # an empty password is an anonymous bind in LDAP
    assert directory.authenticate(session, "*", "right-password") is None  # escaped, matches nobody
    assert directory.authenticate(session, f"{sam})(|(cn=*", "right-password") is None
    assert session.scalar(select(User).where(User.email == f"{sam}@okno.test")) is None
    assert directory.authenticate(session, sam, "right-password") is not None


def test_a_group_change_in_the_directory_changes_the_role_at_next_sign_in(session, ldap_env, unique):
    sam = unique("moved")
    dn = ldap_env.add_ad_user(sam, "pw-moved-1", name=f"Petr {sam}")
    agents, leads = ldap_env.add_group(unique("agents-"), dn), ldap_env.add_group(unique("leads-"))
    team_a, team_b = f.team(session), f.team(session)
    _map(session, agents, "agent", team_a)
    _map(session, leads, "manager", team_b)
    assert directory.authenticate(session, sam, "pw-moved-1").role == "agent"

    ldap_env.set_members(leads, dn)  # now in both: the higher role and its team win
    user = directory.authenticate(session, sam, "pw-moved-1")
    assert (user.role, user.team_id) == ("manager", team_b.id)

    ldap_env.set_members(leads)
    user = directory.authenticate(session, sam, "pw-moved-1")
    assert (user.role, user.team_id) == ("agent", team_a.id)


def test_a_user_who_left_every_mapped_group_is_switched_off_at_next_sign_in(session, ldap_env, unique):
    sam = unique("leaver")
    dn = ldap_env.add_ad_user(sam, "pw-leaver", name=f"Anna {sam}")
    group = ldap_env.add_group(unique("staff-"), dn)
    _map(session, group, "agent")
    user = directory.authenticate(session, sam, "pw-leaver")
    assert user.is_active

    ldap_env.set_members(group)
    assert directory.authenticate(session, sam, "pw-leaver") is None
    session.refresh(user)
    assert not user.is_active and session.get(DirectoryAccount, user.id).disabled_reason == "no_group"

    ldap_env.set_members(group, dn)  # back in the group: the directory let them go, so it lets them back
    assert directory.authenticate(session, sam, "pw-leaver").is_active


def test_an_account_disabled_or_deleted_in_the_directory_is_switched_off(session, ldap_env, unique):
    team_group = ldap_env.add_group(unique("ops-"))
    _map(session, team_group, "agent")
    users = {}
    for kind in ("disabled", "deleted"):
        sam = unique(kind)
        dn = ldap_env.add_ad_user(sam, "pw-x-123", name=f"Test {sam}")
        ldap_env.set_members(team_group, *[u[1] for u in users.values()], dn)
        users[kind] = (sam, dn, directory.authenticate(session, sam, "pw-x-123"))
        assert users[kind][2].is_active

    sam, dn, user = users["disabled"]
    ldap_env.set_attribute(dn, "userAccountControl", "514")  # AD: ACCOUNTDISABLE (bit 2)
    assert directory.authenticate(session, sam, "pw-x-123") is None
    session.refresh(user)
    assert not user.is_active and session.get(DirectoryAccount, user.id).disabled_reason == "disabled"

    sam, dn, user = users["deleted"]
    ldap_env.delete(dn)
    assert directory.authenticate(session, sam, "pw-x-123") is None
    session.refresh(user)
    assert not user.is_active and session.get(DirectoryAccount, user.id).disabled_reason == "not_found"


def test_an_admin_switch_off_is_not_undone_by_the_directory(session, ldap_env, unique):
    sam = unique("blocked")
    dn = ldap_env.add_ad_user(sam, "pw-blocked", name=f"Boris {sam}")
    _map(session, ldap_env.add_group(unique("blocked-"), dn), "agent")
    user = directory.authenticate(session, sam, "pw-blocked")
    user.is_active = False  # switched off in Okno
    session.flush()
    assert directory.authenticate(session, sam, "pw-blocked") is None
    session.refresh(user)
    assert not user.is_active


def test_local_accounts_keep_their_password_and_are_never_taken_over(session, ldap_env, unique):
    sam = unique("local")
    dn = ldap_env.add_ad_user(sam, "directory-pw", name=f"Local {sam}")
    _map(session, ldap_env.add_group(unique("admins-"), dn), "admin")
    local = f.user(session, "admin", email=f"{sam}@okno.test")  # same address as the directory entry

    assert directory.authenticate(session, f"{sam}@okno.test", "directory-pw") is None  # local: not the directory
    assert directory.authenticate(session, sam, "directory-pw") is None  # the address is taken by a local user
    assert accounts.authenticate(session, local.email, f.PASSWORD).id == local.id
    assert session.scalar(select(DirectoryAccount).where(DirectoryAccount.dn == dn)) is None


def test_openldap_directory_with_uid_filter_and_group_search(session, ldap_env, unique, monkeypatch):
    monkeypatch.setenv("LDAP_USER_FILTER", "(|(uid={login})(mail={login}))")
    monkeypatch.setenv("LDAP_GROUP_FILTER", "(&(objectClass=groupOfNames)(member={dn}))")
    uid = unique("posix")
    dn = ldap_env.add_posix_user(uid, "posix-pw", name=f"Sveta {uid}")
    _map(session, ldap_env.add_group(unique("analysts-"), dn), "analyst")
    user = directory.authenticate(session, uid, "posix-pw")
    assert (user.email, user.role) == (f"{uid}@okno.test", "analyst")


def test_directory_sign_in_is_off_without_ldap_url_or_when_the_server_is_down(session, ldap_env, unique, monkeypatch):
    sam = unique("off")
    dn = ldap_env.add_ad_user(sam, "pw-off-1", name=f"Off {sam}")
    _map(session, ldap_env.add_group(unique("off-"), dn), "agent")
    monkeypatch.setenv("LDAP_BIND_PASSWORD", "not-the-service-password")
    assert directory.authenticate(session, sam, "pw-off-1") is None
    monkeypatch.delenv("LDAP_URL")
    assert directory.authenticate(session, sam, "pw-off-1") is None


def test_the_directory_manager_approves_the_requests_of_their_report(session, ldap_env, unique):
    from data.approvals import config as approval_config
    from data.intake import requesters
    from data.intake import submit as intake
    from data.models import TicketApproval
    from tests.portal_factories import desk, request_type
    boss_sam, emp_sam = unique("boss"), unique("emp")
    boss_dn = ldap_env.add_ad_user(boss_sam, "Pa55-word", name=f"Boss {boss_sam}")
    emp_dn = ldap_env.add_ad_user(emp_sam, "Pa55-word", name=f"Emp {emp_sam}")
    ldap_env.set_attribute(emp_dn, "manager", boss_dn)
    _map(session, ldap_env.add_group(unique("okno-staff-"), boss_dn, emp_dn), "agent")
    boss = directory.authenticate(session, boss_sam, "Pa55-word")
    emp = directory.authenticate(session, emp_sam, "Pa55-word")
    assert session.get(DirectoryAccount, emp.id).manager_dn == boss_dn
    d = desk(session)
    rt = request_type(session, d["service"], fields=[], name="Отпуск")
    approval_config.save(session, f.user(session, "admin"), rt.id,
                         {"steps": [{"kind": "manager", "ref": None, "mode": "any"}]})
    requester = requesters.find_or_create_by_email(session, emp.email, emp.name)
    t = intake.submit(session, requester, service_id=d["service"].id, request_type_id=rt.id, title="Отпуск",
                      channel="email")
    assert session.scalars(select(TicketApproval.approver_id).where(TicketApproval.ticket_id == t.id)).all() == [boss.id]
