"""The group → role/team mapping and the connection check: admins only, every value checked; the admin
page shows the connection and tests it against the real slapd."""
from __future__ import annotations

import json

import pytest
from flask_login import login_user
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import delete

from data.db import session_scope
from data.errors import PermissionDenied, ValidationError
from data.identity import directory_groups as mapping
from data.models import DirectoryGroup, User
from tests import factories as f

GROUP = "CN=Okno Agents,OU=Groups,DC=corp,DC=example"


def test_only_admins_read_or_change_the_mapping(session):
    admin, team = f.user(session, "admin"), f.team(session)
    for role in ("agent", "manager", "analyst", "director"):
        someone = f.user(session, role)
        with pytest.raises(PermissionDenied):
            mapping.save_group(session, someone, None, group_dn=GROUP, role="admin")
        with pytest.raises(PermissionDenied):
            mapping.groups(session, someone)
        with pytest.raises(PermissionDenied):
            mapping.check_connection(someone)
    row = mapping.save_group(session, admin, None, group_dn=GROUP, role="agent", team_id=team.id)
    with pytest.raises(PermissionDenied):
        mapping.delete_group(session, f.user(session, "agent"), row.id)
    assert [g.id for g in mapping.groups(session, admin)] == [row.id]


def test_mapping_add_edit_delete_with_checks(session):
    admin, team = f.user(session, "admin"), f.team(session)
    row = mapping.save_group(session, admin, None, group_dn=f"  {GROUP} ", role="agent", team_id=team.id)
    assert (row.group_dn, row.role, row.team_id) == (GROUP, "agent", team.id)
    with pytest.raises(ValidationError) as err:  # the same group, written differently
        mapping.save_group(session, admin, None, group_dn=GROUP.lower().replace(",", ", "), role="manager")
    assert err.value.fields == {"group_dn": "taken"}
    with pytest.raises(ValidationError) as err:
        mapping.save_group(session, admin, None, group_dn="Okno Agents", role="boss", team_id=10**9)
    assert set(err.value.fields) == {"group_dn", "role", "team"}
    mapping.save_group(session, admin, row.id, group_dn=GROUP, role="manager")
    assert (row.role, row.team_id) == ("manager", None)
    mapping.delete_group(session, admin, row.id)
    assert mapping.groups(session, admin) == []


def _render(component) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


@pytest.fixture
def committed_admin(database_url):
    with session_scope() as s:
        admin = f.user(s, "admin")
        agent = f.user(s, "agent")
        s.add(DirectoryGroup(group_dn="cn=page-test,ou=groups,dc=okno,dc=test", role="agent"))
    yield admin, agent
    with session_scope() as s:
        s.execute(delete(DirectoryGroup).where(DirectoryGroup.group_dn == "cn=page-test,ou=groups,dc=okno,dc=test"))
        s.execute(delete(User).where(User.id.in_((admin.id, agent.id))))


def test_admin_page_shows_the_connection_tests_it_and_lists_the_mapping(app, committed_admin, ldap_env, monkeypatch):
    from pages.admin import directory as page
    admin, agent = committed_admin
    with app.test_request_context("/admin/directory", headers={"Cookie": "okno_lang=en"}):
        login_user(admin)
        html = _render(page.layout())
        assert ldap_env.url in html and "cn=page-test,ou=groups,dc=okno,dc=test" in html
        assert "Test connection" in html and "reader-secret" not in html  # the service password is never shown
        assert "dir-test-ok" in _render(page.test_connection(1))
        monkeypatch.setenv("LDAP_BIND_PASSWORD", "wrong")
        failed = _render(page.test_connection(1))
        assert "dir-test-failed" in failed and "invalidCredentials" in failed
    with app.test_request_context("/admin/directory"):
        login_user(agent)
        assert "page-denied" in _render(page.layout())


def test_admin_page_says_directory_sign_in_is_off_without_ldap_url(app, committed_admin, monkeypatch):
    from pages.admin import directory as page
    monkeypatch.delenv("LDAP_URL", raising=False)
    with app.test_request_context("/admin/directory", headers={"Cookie": "okno_lang=en"}):
        login_user(committed_admin[0])
        assert "Directory sign-in is off" in _render(page.layout())
