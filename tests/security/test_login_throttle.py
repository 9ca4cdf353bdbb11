"""Failed sign-ins: a growing wait, then a lock after the 5th wrong password that an admin lifts from
/admin/sign-in; per client address too; every failure is logged."""
from __future__ import annotations

import json

from sqlalchemy import text

from data.db import session_scope
from tests.security.helpers import new_user, sign_in, unique_address


def let_the_wait_pass(email: str) -> None:
    """As if the user waited out the delay (the rules are about time; the test does not sleep)."""
    with session_scope() as s:
        s.execute(text("UPDATE login_throttles SET last_failed_at = last_failed_at - interval '10 minutes' "
                       "WHERE key = :email"), {"email": email})


def unlock_over_http(admin_client, key: str):
    """The Unlock button on /admin/sign-in, as the browser sends it."""
    button = {"type": "locks-unlock", "id": f"account:{key}"}
    body = {"output": "..locks-message.children...locks-list.children..",
            "outputs": [{"id": "locks-message", "property": "children"}, {"id": "locks-list", "property": "children"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    return admin_client.post("/_dash-update-component", json=body,
                             headers={"X-CSRFToken": admin_client.get_cookie("_csrf_token").value})


def test_the_sixth_wrong_password_is_throttled_and_an_admin_unlocks(app, caplog):
    _id, email = new_user()
    attacker, address = app.test_client(), unique_address()
    statuses = []
    for _ in range(5):
        statuses.append(sign_in(attacker, email, "wrong password!", address=address).status_code)
        let_the_wait_pass(email)
    assert statuses == [401] * 5
    assert caplog.text.count(f"failed sign-in for '{email}' from {address}") == 5

    sixth = sign_in(attacker, email, "wrong password!", address=address)
    assert sixth.status_code == 429
    # Locked: even the right password, even from the owner's own address.
    owner = app.test_client()
    assert sign_in(owner, email, address=unique_address()).status_code == 429

    admin = app.test_client()
    _aid, admin_email = new_user("admin")
    assert sign_in(admin, admin_email, address=unique_address()).status_code == 302
    page = admin.get("/admin/sign-in")
    assert page.status_code == 200
    response = unlock_over_http(admin, email)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "locks-result" in response.get_data(as_text=True)

    assert sign_in(owner, email, address=unique_address()).status_code == 302


def test_tries_come_too_fast_after_three_failures(app):
    _id, email = new_user()
    client, address = app.test_client(), unique_address()
    assert [sign_in(client, email, "nope nope nope", address=address).status_code for _ in range(3)] == [401] * 3
    too_soon = sign_in(client, email, "nope nope nope", address=address)
    assert too_soon.status_code == 429
    assert int(too_soon.headers["Retry-After"]) >= 1


def test_only_an_admin_may_unlock(app):
    _id, email = new_user()
    agent = app.test_client()
    _aid, agent_email = new_user("agent")
    assert sign_in(agent, agent_email, address=unique_address()).status_code == 302
    response = unlock_over_http(agent, email)
    assert "locks-result" in response.get_data(as_text=True)  # a refusal message, not an unlock
    assert "danger" in response.get_data(as_text=True)


def test_one_address_trying_many_accounts_is_throttled(app):
    client, address = app.test_client(), unique_address()
    codes = [sign_in(client, f"nobody{i}@example.com", "wrong password!", address=address).status_code
             for i in range(16)]
    assert codes[:15] == [401] * 15 and codes[15] == 429  # each account new, the address is what waits


def test_failures_are_forgotten_after_a_quiet_hour(app):
    _id, email = new_user()
    client, address = app.test_client(), unique_address()
    assert [sign_in(client, email, "nope nope nope", address=address).status_code for _ in range(3)] == [401] * 3
    with session_scope() as s:
        s.execute(text("UPDATE login_throttles SET last_failed_at = now() - interval '2 hours' "
                       "WHERE key IN (:email, :address)"), {"email": email, "address": address})
    assert sign_in(client, email, "nope nope nope", address=address).status_code == 401
    assert sign_in(client, email, address=address).status_code == 302


def test_a_forwarded_for_header_does_not_change_the_address_unless_proxies_are_configured(app, test_config):
    import dataclasses

    from werkzeug.middleware.proxy_fix import ProxyFix

    from tests.security.helpers import csrf_from
    client, address = app.test_client(), unique_address()  # OKNO_PROXY_HOPS=0 (the default)
    codes = []
    for i in range(16):
        spoofed = {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": f"192.0.2.{i + 1}"}
        token = csrf_from(client.get("/login", environ_base=spoofed).get_data(as_text=True))
        codes.append(client.post("/login", data={"email": f"spoof{i}@example.com", "password": "wrong password!",
                                                 "csrf_token": token}, environ_base=spoofed).status_code)
    assert codes[15] == 429  # counted against the socket's address, whatever the header says

    from app import _flask
    behind_proxy = _flask(dataclasses.replace(test_config, proxy_hops=1))
    assert isinstance(behind_proxy.wsgi_app, ProxyFix) and behind_proxy.wsgi_app.x_for == 1
