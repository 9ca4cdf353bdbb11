"""Admins manage users and teams: every change audited, directory users' passwords untouchable, no lock-out."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from data.errors import PermissionDenied, ValidationError
from data.identity import accounts, staff_admin, teams_admin
from data.models import AuditEntry, DirectoryAccount
from tests import factories as f


def actions(session, object_type, object_id):
    return [a for a, in session.execute(select(AuditEntry.action).where(AuditEntry.object_type == object_type,
                                                                          AuditEntry.object_id == str(object_id))
                                        .order_by(AuditEntry.id))]


def test_add_edit_switch_off_and_reset_a_user(session):
    admin = f.user(session, "admin")
    team = f.team(session)
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    user, password = staff_admin.save(session, admin, None, name=" Анна  Лебедева ", email=email.upper(),
                                      role="agent", team_id=team.id)
    assert (user.name, user.email, user.team_id) == ("Анна Лебедева", email, team.id)
    assert accounts.authenticate(session, email, password) is not None  # the temporary password works
    assert user.password_hash.startswith("$argon2")

    staff_admin.save(session, admin, user.id, name="Анна Лебедева", email=email, role="manager", team_id=None)
    assert (user.role, user.team_id) == ("manager", None)
    version = user.session_version
    staff_admin.set_active(session, admin, user.id, False)
    assert not user.is_active and user.session_version > version  # every session of the account ended
    assert accounts.authenticate(session, email, password) is None
    staff_admin.set_active(session, admin, user.id, True)
    fresh = staff_admin.reset_password(session, admin, user.id)
    assert fresh != password and accounts.authenticate(session, email, fresh) is not None
    assert actions(session, "users", user.id) == ["user.create", "user.update", "user.update", "user.update",
                                                  "user.password_reset"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset",
                                                    AuditEntry.object_id == str(user.id)))
    assert fresh not in str(entry.before) + str(entry.after)  # the password never reaches the log


def test_bad_input_names_the_fields(session):
    admin = f.user(session, "admin")
    other = f.user(session, "agent")
    with pytest.raises(ValidationError) as err:
        staff_admin.save(session, admin, None, name="", email="x@example.com", role="boss", team_id=None)
    assert set(err.value.field_texts) == {"name", "role"}
    with pytest.raises(ValidationError) as err:
        staff_admin.save(session, admin, other.id, name="X", email=admin.email, role="agent", team_id=None)
    assert set(err.value.field_texts) == {"email"}


def test_directory_users_have_no_password_to_reset(session):
    admin, person = f.user(session, "admin"), f.user(session, "agent")
    session.add(DirectoryAccount(user_id=person.id, dn=f"uid={person.id},ou=people", login=person.email))
    session.flush()
    assert [u["directory"] for u in staff_admin.users(session, admin) if u["id"] == person.id] == [True]
    with pytest.raises(ValidationError, match="directory"):
        staff_admin.reset_password(session, admin, person.id)


def test_no_lock_out_and_only_admins(session):
    admin = f.user(session, "admin")
    with pytest.raises(ValidationError):
        staff_admin.set_active(session, admin, admin.id, False)  # not yourself
    others = [u for u in staff_admin.users(session, admin) if u["role"] == "admin" and u["active"] and u["id"] != admin.id]
    if not others:  # the only admin can't be demoted
        with pytest.raises(ValidationError):
            staff_admin.save(session, admin, admin.id, name=admin.name, email=admin.email, role="agent", team_id=None)
    manager = f.user(session, "manager")
    for call in (lambda: staff_admin.users(session, manager), lambda: teams_admin.teams(session, manager),
                 lambda: staff_admin.reset_password(session, manager, admin.id)):
        with pytest.raises(PermissionDenied):
            call()


def test_teams_lead_and_members_are_edited_and_audited(session):
    admin = f.user(session, "admin")
    old_team = f.team(session)
    a, b, c = (f.user(session, "agent", old_team) for _ in range(3))
    name = f"L2 {uuid.uuid4().hex[:6]}"
    team = teams_admin.save(session, admin, None, name=name, line_level=2, lead_id=a.id, members=[a.id, b.id])
    assert (a.team_id, b.team_id, c.team_id) == (team.id, team.id, old_team.id)
    listed = next(t for t in teams_admin.teams(session, admin) if t["id"] == team.id)
    assert listed["lead"] == a.name and {m["id"] for m in listed["members"]} == {a.id, b.id}
    teams_admin.save(session, admin, team.id, name=name, line_level=2, lead_id=a.id, members=[a.id, c.id])
    session.refresh(b)
    assert (b.team_id, c.team_id) == (None, team.id)
    assert actions(session, "teams", team.id) == ["team.create", "team.members", "team.members"]
    with pytest.raises(ValidationError) as err:
        teams_admin.save(session, admin, None, name=name.lower(), line_level=7, lead_id=None, members=[])
    assert set(err.value.field_texts) == {"name", "line_level"}


def test_a_team_with_boards_is_not_deleted(session):
    admin = f.user(session, "admin")
    team, empty = f.team(session), f.team(session)
    f.board(session, team)
    with pytest.raises(ValidationError):
        teams_admin.delete(session, admin, team.id)
    teams_admin.delete(session, admin, empty.id)
    assert actions(session, "teams", empty.id) == ["team.delete"]
