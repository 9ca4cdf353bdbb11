"""The first hour in the browser: form answers on the card, the bell, global search, users and teams."""
from __future__ import annotations

import uuid

from data.db import session_scope
from data.intake import submit
from data.messaging.notify import notify_assignee
from data.tickets import actions as tickets
from tests import factories as f
from tests import portal_factories as pf
from tests.e2e.conftest import login


def _staff(role: str, tag: str, team=None, s=None) -> str:
    email = f"{role}-{tag}@example.com"
    f.user(s, role, team, email=email, name=f"{role.title()} {tag}")
    return email


def test_the_agent_sees_what_the_requester_filled_in(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        desk = pf.desk(s)
        rt = pf.request_type(s, desk["service"], fields=[
            {"key": "scope", "type": "select", "label": "Масштаб проблемы", "options": ["Массовая", "Локальная"]},
            {"key": "remote_help", "type": "checkbox", "label": "Нужна удалённая помощь"}])
        t = submit.submit(s, f.requester(s, email=f"req-{tag}@example.com"), service_id=desk["service"].id,
                          request_type_id=rt.id, title=f"Принтер {tag}", channel="portal",
                          values={"scope": "Локальная", "remote_help": True})
        email = _staff("agent", tag, desk["team"], s)
        number = t.number
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/ticket/{number}")
    answers = page.locator("#tk-form")
    answers.wait_for()
    assert answers.locator("dt").all_inner_texts() == ["Масштаб проблемы", "Нужна удалённая помощь"]
    assert answers.locator("dd").all_inner_texts() == ["Локальная", "Да"]


def _wait_count(page, shown: str) -> None:
    page.wait_for_function(f"(document.getElementById('nav-bell-count') || {{}}).innerText === {shown!r}")


def test_the_bell_counts_lists_and_marks_read(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        board = f.board(s)
        email = _staff("agent", tag, None, s)
        agent = s.query(type(f.user(s))).filter_by(email=email).one()
        for title in (f"VPN {tag}", f"Почта {tag}"):
            notify_assignee(s, tickets.create(s, agent, title=title, board_id=board.id, assignee_id=agent.id))
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/tickets")
    bell = page.get_by_role("button", name="Уведомления")
    _wait_count(page, "2")
    bell.click()
    items = page.locator("#nav-bell-items li")
    items.first.wait_for()
    assert items.count() == 2 and f"Почта {tag}" in items.first.inner_text()
    page.get_by_role("button", name="Отметить прочитанным").first.click()
    _wait_count(page, "1")
    page.get_by_role("button", name="Прочитать все").click()
    _wait_count(page, "")
    assert page.locator("#nav-bell-items li[data-read=false]").count() == 0
    page.locator("#nav-bell-items a", has_text=f"VPN {tag}").click()  # the link opens the card; the list closes
    page.locator("#tk-title").wait_for()
    assert f"VPN {tag}" in page.locator("#tk-title").inner_text()
    page.locator("#nav-bell-popover").wait_for(state="detached")


def test_slash_focuses_search_and_results_are_marked(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        board = f.board(s, team)
        email = _staff("agent", tag, team, s)
        t = tickets.create(s, f.user(s, "agent", team), title=f"Принтер печатает полосами {tag}", board_id=board.id)
        number = t.number
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/tickets")
    box = page.get_by_placeholder("Поиск…")
    assert box.get_attribute("type") == "search"
    page.locator("body").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "nav-search"
    page.keyboard.type(f"принтеры {tag}")
    page.keyboard.press("Enter")
    hit = page.locator(f"#search-results [data-number='{number}']")
    hit.wait_for()
    assert hit.locator("mark").first.inner_text() == "Принтер"
    assert page.locator("#search-results li").count() == 1


def test_search_in_english(browser, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        email = _staff("admin", tag, None, s)
        tickets.create(s, f.user(s, "admin"), title=f"Printers offline {tag}", board_id=f.board(s).id)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/search?q=printer+{tag}")
    page.locator("#search-results li").first.wait_for()
    assert page.get_by_placeholder("Search…").count() == 2  # the navbar's and the page's
    assert page.locator("#search-results mark").first.inner_text() == "Printers"
    context.close()


def test_an_admin_adds_a_user_resets_switches_off_and_builds_a_team(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        email = _staff("admin", tag, None, s)
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/admin/users")
    page.locator("#admin-users").wait_for()
    page.wait_for_load_state("networkidle")  # the form's own start-up callbacks first: they would reset what is filled
    new_email = f"olga-{tag}@example.com"
    page.fill("input[id*='\"key\":\"name\"'][id*='usr-f']", f"Ольга {tag}")
    page.fill("input[id*='\"key\":\"email\"'][id*='usr-f']", new_email)
    page.select_option("select[id*='\"key\":\"role\"'][id*='usr-f']", "agent")
    page.wait_for_load_state("networkidle")
    page.click("#usr-save")
    password = page.locator("#usr-password")
    password.wait_for()
    first = password.inner_text()
    row = page.locator(f"tr[data-email='{new_email}']")
    row.get_by_role("button", name="Сбросить пароль").click()
    page.wait_for_function(f"document.getElementById('usr-password') && "
                           f"document.getElementById('usr-password').innerText !== {first!r}")
    row.get_by_role("button", name="Отключить").click()
    page.wait_for_selector(f"tr[data-email='{new_email}'] >> text=Отключён")

    page.goto(f"{live_server}/admin/teams")
    page.locator("#admin-teams").wait_for()
    page.fill("input[id*='\"key\":\"name\"'][id*='team-f']", f"Команда {tag}")
    page.select_option("select[id*='\"key\":\"line_level\"'][id*='team-f']", "2")
    page.click("#team-save")
    page.wait_for_selector(f"tr[data-team='Команда {tag}'] >> text=2-я линия")


def test_demo_outbox_shows_a_portal_pin_and_analytics_opens_the_overview(page, live_server, monkeypatch):
    from data.messaging import outbox
    tag = uuid.uuid4().hex[:6]
    monkeypatch.setenv("OKNO_DEMO", "1")  # the live server reads the configuration per request
    with session_scope() as s:
        email = _staff("admin", tag, None, s)
        outbox.queue(s, channel="email", kind="pin", recipient=f"req-{tag}@example.com", subject="Okno PIN",
                     body=f"Ваш код: 4{tag}")
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/admin")
    page.locator("#admin-dev-outbox a").click()
    page.locator("#devbox-list").wait_for()
    assert f"Ваш код: 4{tag}" in page.locator("#devbox-list [data-kind=pin]").first.inner_text()
    page.goto(f"{live_server}/analytics")
    assert page.url.rstrip("/") == live_server
