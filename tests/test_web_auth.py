"""The guard, sign-in and CSRF over HTTP (Flask test client against the real database)."""
from __future__ import annotations

import re

import pytest

from data.db import session_scope
from tests import factories as f


@pytest.fixture(scope="module")
def client(app):
    """One browser for the module: tests sign in and out in turn."""
    with app.test_client() as c:
        yield c


@pytest.fixture(scope="module")
def staff(database_url):
    with session_scope() as s:
        agent = f.user(s, "agent", email="auth-agent@example.com")
        director = f.user(s, "director", email="auth-director@example.com")
        return {"agent": agent.email, "director": director.email}


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, email, password=f.PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_unauthenticated_callback_gets_401_and_no_data(client, caplog):
    client.get("/logout")
    response = client.post("/_dash-update-component", json={"output": "tickets-grid.getRowsResponse"})
    assert response.status_code == 401
    assert "authentication required" in response.get_json()["error"]
    assert "unauthenticated POST /_dash-update-component from" in caplog.text


def test_pages_redirect_to_login_and_layout_is_refused(client):
    client.get("/logout")
    assert client.get("/tickets").status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/tickets/export.csv").status_code == 302


def test_wrong_password_does_not_say_whether_email_exists(client, staff):
    unknown = sign_in(client, "nobody@example.com", "x")
    wrong = sign_in(client, staff["agent"], "x")
    assert unknown.status_code == wrong.status_code == 401
    for response in (unknown, wrong):
        assert "Неверная почта или пароль" in response.get_data(as_text=True) or \
            "Wrong email or password" in response.get_data(as_text=True)


def test_login_then_callback_without_csrf_token_is_refused(client, staff):
    assert sign_in(client, staff["agent"]).status_code == 302
    response = client.post("/_dash-update-component", json={})
    assert response.status_code == 403


def test_open_redirect_is_not_possible(client, staff):
    client.get("/logout")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": staff["agent"], "password": f.PASSWORD, "csrf_token": token,
                                           "next": "https://evil.example/"})
    assert response.headers["Location"] in ("/board", "/")


def test_director_reads_and_exports_the_list(client, staff):
    client.get("/logout")
    sign_in(client, staff["director"])
    response = client.get("/tickets/export.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())


def test_login_form_without_csrf_token_gets_a_message(client, staff):
    client.get("/logout")
    response = client.post("/login", data={"email": staff["agent"], "password": f.PASSWORD})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True) or "expired" in response.get_data(as_text=True)


def test_board_address_redirects_to_the_home_board_before_the_page_boots(client):
    """`/board` answers an agent with one team board by an HTTP redirect (no page that boots, then reloads);
    `/board?all=1` and an admin, who spans every team, get the list of boards."""
    with session_scope() as s:
        team = f.team(s)
        agent = f.user(s, "agent", team, email="auth-board-agent@example.com")
        admin = f.user(s, "admin", None, email="auth-board-admin@example.com")
        home = f.board(s, team).id
        emails = agent.email, admin.email
    client.get("/logout")
    sign_in(client, emails[0])
    response = client.get("/board")
    assert response.status_code == 302 and response.headers["Location"] == f"/board/{home}"
    assert client.get("/board?all=1").status_code == 200
    client.get("/logout")
    sign_in(client, emails[1])
    assert client.get("/board").status_code == 200
