"""An admin checks the directory connection and maps a group to a role and team in Chromium; a member of
that group then signs in on the ordinary sign-in page with their domain login and password."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, select

from data.db import session_scope
from data.models import DirectoryAccount, DirectoryGroup, Team, User
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_rules_admin import field
from tests.ldap.conftest import ldap_env, slapd, unique  # noqa: F401 (the real slapd and the LDAP_* settings)


@pytest.fixture
def tag():
    value = uuid.uuid4().hex[:6]
    yield value
    with session_scope() as s:
        s.execute(delete(User).where(User.id.in_(select(DirectoryAccount.user_id).where(
            DirectoryAccount.login == f"e2e{value}"))))
        s.execute(delete(DirectoryGroup).where(DirectoryGroup.group_dn.contains(f"e2e-{value}")))
        s.execute(delete(Team).where(Team.name == f"Directory team {value}"))


def test_admin_maps_a_group_and_its_member_signs_in(page, live_server, ldap_env, tag):
    dn = ldap_env.add_ad_user(f"e2e{tag}", "Domain-Pass-1", name=f"Nina e2e{tag}")
    group = ldap_env.add_group(f"e2e-{tag}", dn)
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"dir-{tag}@example.com")
        s.add(Team(name=f"Directory team {tag}"))
        email = admin.email
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/admin")
    page.click("a[href='/admin/directory']")
    page.wait_for_selector("#admin-directory")
    assert ldap_env.url in page.inner_text("#admin-directory")
    page.click("#dir-test")
    page.wait_for_selector("#dir-test-ok")

    page.fill(field("f", "group_dn", "dir"), group)
    page.select_option(field("f", "role", "dir"), value="agent")
    page.select_option(field("f", "team", "dir"), label=f"Directory team {tag}")
    page.click("#dir-save")
    page.wait_for_selector("#slaadmin-saved")
    row = page.locator("#dir-table tr", has_text=group)
    assert f"Directory team {tag}" in row.inner_text()
    assert not page.console_errors, page.console_errors

    member = page.context.browser.new_context(locale="ru-RU").new_page()
    login(member, live_server, f"e2e{tag}", "Domain-Pass-1")
    assert member.url.endswith("/board")
    member.context.close()
