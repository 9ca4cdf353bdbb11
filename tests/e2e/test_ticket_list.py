"""A manager logs in, filters the ticket list, sees the filter in the URL, and downloads the CSV."""
from __future__ import annotations

import csv
import io
import uuid

import pytest

from data.tickets import actions as tickets
from data.db import session_scope
from tests import factories as f
from tests.e2e.conftest import choose, login


@pytest.fixture(scope="module")
def seeded(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"List team {tag}")
        lead = f.user(s, "manager", team, email=f"lead-{tag}@example.com", name="Лид Команды")
        board = f.board(s, team)
        it = f.service(s, board, name=f"ИТ-поддержка {tag}")
        hr = f.service(s, board, name=f"Кадры {tag}")
        for i in range(7):
            tickets.create(s, lead, title=f"Принтер не печатает {tag} {i}", board_id=board.id, service_id=it.id,
                           channel="email")
        for i in range(3):
            tickets.create(s, lead, title=f"Отпуск {tag} {i}", board_id=board.id, service_id=hr.id, channel="portal")
        return dict(tag=tag, email=lead.email, it=it.id, hr=hr.id)


def test_login_filter_and_export(page, live_server, seeded):
    tag = seeded["tag"]
    login(page, live_server, seeded["email"], f.PASSWORD)
    page.goto(f"{live_server}/tickets?q={tag}&service={seeded['hr']}")
    page.wait_for_selector(".ag-row")
    page.wait_for_function("document.querySelectorAll('.ag-center-cols-container .ag-row').length === 3")
    titles = page.locator(".ag-center-cols-container .ag-row [col-id=title]").all_inner_texts()
    assert sorted(titles) == [f"Отпуск {tag} {i}" for i in range(3)]
    assert "3" in page.inner_text("#tickets-count")

    # Widen the filter in the UI: search only by the tag; the URL follows.
    page.fill("#tickets-q", f"Принтер не печатает {tag}")
    page.keyboard.press("Enter")
    page.locator("#tickets-service .Select-clear, #tickets-service [aria-label*='Clear']").first.click()
    page.wait_for_function("document.querySelectorAll('.ag-center-cols-container .ag-row').length === 7")
    assert "service=" not in page.url and "q=" in page.url

    with page.expect_download() as info:
        page.click("#tickets-export")
    data = open(info.value.path(), "rb").read()
    assert data.startswith("\ufeff".encode())  # BOM: Excel opens Cyrillic correctly
    # The Russian UI offers the CSV Russian Excel opens as a table: `;`, Russian headers, dd.mm.yyyy dates.
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 7 and all("Принтер не печатает" in r["Тема"] for r in rows)
    assert rows[0]["Создана"][2] == "." and rows[0]["Создана"][5] == "." and rows[0]["Канал"] == "Почта"

    # Plain CSV (for scripts) is one click away: `,`, column ids, ISO 8601.
    page.click("#exports-toggle")
    choose(page.get_by_label("Обычный CSV (для программ)"))
    page.wait_for_function("document.querySelector('#tickets-export').href.includes('excel=plain')")
    with page.expect_download() as info:
        page.click("#tickets-export")
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), "rb").read().decode("utf-8-sig"))))
    assert len(rows) == 7 and rows[0]["created_at"][10] == "T"  # ISO 8601
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_wrong_password_gets_a_clear_message(page, live_server, seeded):
    page.goto(live_server + "/login")
    page.fill("#email", seeded["email"])
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert "Неверная почта или пароль" in page.inner_text("#login-error")


def test_invalid_url_filters_are_reported_not_crashing(page, live_server, seeded):
    login(page, live_server, seeded["email"], f.PASSWORD)
    page.goto(f"{live_server}/tickets?service=abc&status=nope&created_from=2024-13-45")
    note = page.inner_text("#tickets-note")
    assert "service=abc" in note and "status=nope" in note and "created_from" in note
    page.wait_for_selector(".ag-row")
