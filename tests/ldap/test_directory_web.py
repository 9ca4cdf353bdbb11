"""The sign-in form end to end (Flask test client): a directory user signs in with their domain
password, lands on their page, and is locked out (session included) once they leave the groups."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from data.db import session_scope
from data.models import DirectoryAccount, DirectoryGroup, Team, User


def _sign_in(visitor, login, password):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      visitor.get("/login").get_data(as_text=True)).group(1)
    return visitor.post("/login", data={"email": login, "password": password, "csrf_token": token})


@pytest.fixture
def visitor(app):
    """A browser without cookies. Not `with app.test_client()`: a kept request context would share the
    signed-in user with a second visitor."""
    return app.test_client()


@pytest.fixture
def mapped_group(database_url, ldap_env, unique):
    sam = unique("web")
    dn = ldap_env.add_ad_user(sam, "web-Passw0rd", name=f"Web {sam}")
    group = ldap_env.add_group(unique("web-agents-"), dn)
    with session_scope() as s:
        team = Team(name=unique("Web team "))
        s.add(team)
        s.flush()
        s.add(DirectoryGroup(group_dn=group, role="agent", team_id=team.id))
        team_id = team.id
    yield {"sam": sam, "dn": dn, "group": group, "team_id": team_id}
    with session_scope() as s:
        ids = list(s.scalars(select(DirectoryAccount.user_id).where(DirectoryAccount.dn == dn)))
        s.execute(delete(User).where(User.id.in_(ids)))
        s.execute(delete(DirectoryGroup).where(DirectoryGroup.group_dn == group))
        s.execute(delete(Team).where(Team.id == team_id))


def test_sign_in_form_with_a_domain_account(visitor, ldap_env, mapped_group):
    sam = mapped_group["sam"]
    assert _sign_in(visitor, sam, "wrong").status_code == 401

    response = _sign_in(visitor, sam, "web-Passw0rd")
    assert response.status_code == 302 and response.headers["Location"] == "/board"  # an agent's landing page
    assert visitor.get("/board").status_code == 200
    with session_scope() as s:
        user = s.scalar(select(User).where(User.email == f"{sam}@okno.test"))
        assert (user.role, user.team_id, user.is_active) == ("agent", mapped_group["team_id"], True)

    visitor.get("/logout")
    ldap_env.set_members(mapped_group["group"])  # left the group in the directory
    assert _sign_in(visitor, sam, "web-Passw0rd").status_code == 401
    with session_scope() as s:
        assert not s.scalar(select(User.is_active).where(User.email == f"{sam}@okno.test"))


def test_a_session_opened_before_the_switch_off_ends(visitor, ldap_env, mapped_group):
    sam = mapped_group["sam"]
    assert _sign_in(visitor, sam, "web-Passw0rd").status_code == 302
    ldap_env.set_attribute(mapped_group["dn"], "userAccountControl", "514")
    other = visitor.application.test_client()  # another browser: any sign-in attempt lets Okno hear of it
    assert _sign_in(other, sam, "web-Passw0rd").status_code == 401
    assert visitor.get("/board").status_code == 302  # the first browser's session no longer lets them in
