"""An analyst opens their profile from the navbar (Russian), creates a personal token, sees it once, reads the
metrics API with it, revokes it (the API then refuses it), switches notifications to email, changes the
password and the language; a directory user is told their password is changed in the directory."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from data.db import session_scope
from data.models import DirectoryAccount
from tests import factories as f
from tests.e2e.conftest import choose, login


def _metrics(base: str, secret: str) -> int:
    request = urllib.request.Request(f"{base}/api/v1/metrics/created?grain=week",
                                     headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert "rows" in json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_analyst_manages_tokens_notifications_password_and_language(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        email = f.user(s, "analyst", email=f"profile-{tag}@example.com", name=f"Аналитик {tag}").email

    login(page, live_server, email, f.PASSWORD)
    page.click("#nav-user")
    page.wait_for_selector("#profile-tokens")
    assert page.locator("h1").inner_text() == "Профиль"
    assert "Токенов пока нет" in page.locator("#profile-token-list").inner_text()

    page.fill("#profile-token-name", "Отчёт в Power BI")
    page.click("#profile-token-create")
    page.wait_for_selector("#profile-token-secret")
    secret = page.locator("#profile-token-secret").inner_text().strip()
    assert secret.startswith("okno_pat_")
    assert "больше он показан не будет" in page.locator("#profile-token-alert").inner_text()
    row = page.locator("#profile-tokens-table tbody tr")
    assert row.count() == 1 and "Отчёт в Power BI" in row.inner_text() and "Действует" in row.inner_text()
    assert secret not in page.locator("#profile-tokens-table").inner_text()  # the list shows only its start
    assert _metrics(live_server, secret) == 200

    page.reload()
    page.wait_for_selector("#profile-tokens-table")
    assert page.locator("#profile-token-secret").count() == 0  # shown once, never again
    page.get_by_role("button", name="Отозвать токен Отчёт в Power BI").click()
    page.wait_for_selector("#profile-token-alert")
    assert "Отозван" in page.locator("#profile-tokens-table tbody tr").inner_text()
    assert _metrics(live_server, secret) == 401

    choose(page.get_by_label("В Okno и по почте"))
    page.click("#profile-notify-save")
    page.wait_for_selector("#profile-notify-alert")
    assert page.locator("#profile-notify-alert").inner_text() == "Сохранено."

    page.fill("#profile-current", "wrong password")
    page.fill("#profile-new", "a much better passphrase")
    page.click("#profile-password-save")
    page.wait_for_selector("#profile-password-alert.alert-danger")
    page.fill("#profile-current", f.PASSWORD)
    page.fill("#profile-new", "a much better passphrase")
    page.click("#profile-password-save")
    page.wait_for_selector("#profile-password-alert.alert-success")

    choose(page.get_by_label("English"))
    page.click("#profile-locale-save")
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === 'Profile'")
    assert page.locator("#profile-notify input:checked").get_attribute("value") == "email"
    assert not page.console_errors, page.console_errors

    page.goto(f"{live_server}/logout")
    login(page, live_server, email, "a much better passphrase")
    page.goto(f"{live_server}/profile")
    page.wait_for_selector("#profile-tokens")


def test_a_directory_user_is_told_where_to_change_the_password(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        user = f.user(s, "agent", email=f"profile-dir-{tag}@example.com")
        s.add(DirectoryAccount(user_id=user.id, dn=f"uid=p{tag},ou=people,dc=okno,dc=test", login=f"p{tag}"))
        email = user.email
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/profile")
    page.wait_for_selector("#profile-password-directory")
    assert "корпоративном каталоге" in page.locator("#profile-password-directory").inner_text()
    assert page.locator("#profile-current").count() == 0
