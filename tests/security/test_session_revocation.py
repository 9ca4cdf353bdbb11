"""Logout and password change end the session on the server: a cookie captured before stops working."""
from __future__ import annotations

from tests import factories as f
from tests.security.helpers import csrf_from, new_user, sign_in, unique_address


def test_a_cookie_captured_before_logout_no_longer_opens_a_page(app):
    _id, email = new_user()
    victim = app.test_client()
    assert sign_in(victim, email, address=unique_address()).status_code == 302
    stolen = victim.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/tickets").status_code == 200  # the stolen cookie works while the victim is signed in

    victim.get("/logout")

    assert thief.get("/tickets").status_code == 302  # to the login page
    assert thief.post("/_dash-update-component", json={}).status_code == 401


def test_a_password_change_ends_the_other_sessions(app):
    _id, email = new_user()
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert sign_in(client, email, address=unique_address()).status_code == 302
    token = csrf_from(laptop.get("/account/password").get_data(as_text=True))
    assert laptop.post("/account/password", data={"current": f.PASSWORD, "new": "correct horse battery",
                                                  "csrf_token": token}).status_code == 302
    assert laptop.get("/tickets").status_code == 200
    assert phone.get("/tickets").status_code == 302
