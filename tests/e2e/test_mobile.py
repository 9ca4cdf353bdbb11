"""On a 390×844 phone: the staff navbar folds behind a toggler (search and bell inside), pages fit the width,
and the requester's "My requests" pages through many requests and filters them by status. Plus the
manager's SLA filter and due column on the ticket list (desktop)."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from data.db import session_scope
from data.tickets import actions as tickets
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import portal_login, serious
from tests.weekly_data import WEEK, build

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_phone_navbar_folds_and_pages_fit(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        f.board(s, team)
        email = f"manager-{tag}@example.com"
        f.user(s, "manager", team, email=email)
    page.set_viewport_size(PHONE)
    login(page, live_server, email, f.PASSWORD)
    page.goto(live_server + "/tickets")
    toggler = page.get_by_role("button", name="Меню")
    toggler.wait_for()
    assert not page.locator("#nav-tickets").is_visible() and not page.locator("#nav-search").is_visible()
    toggler.click()
    page.locator("#nav-search").wait_for(state="visible")
    assert page.get_by_role("button", name="Уведомления").is_visible() and page.locator("#nav-tickets").is_visible()
    assert toggler.get_attribute("aria-expanded") == "true"
    assert not serious(page), "axe finds serious problems in the open menu"
    page.locator("#nav-weekly").click()
    page.wait_for_url(re.compile(r"/weekly"))
    page.wait_for_load_state("networkidle")
    assert fits(page), "the weekly page is wider than the phone"


def test_phone_board_one_column_at_a_time_and_filters_behind_a_button(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        agent = f.user(s, "agent", team, name=f"Агент {tag}")
        board = f.board(s, team, agents=[agent])
        email = f"manager-{tag}@example.com"
        lead = f.user(s, "manager", team, email=email)
        tickets.create(s, lead, title=f"В очереди {tag}", board_id=board.id)
        working = tickets.create(s, lead, title=f"В работе {tag}", board_id=board.id)
        tickets.move(s, lead, working.id, f.column(board, "in_progress").id, f.lane_of(board, agent).id)
        board_id = board.id
    page.set_viewport_size(PHONE)
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/board/{board_id}")
    picker = page.get_by_label("Колонка")
    picker.wait_for()
    assert page.get_by_text(f"В очереди {tag}").is_visible() and not page.get_by_text(f"В работе {tag}").is_visible()
    assert page.locator(".okno-col-header:visible").all_inner_texts()[-1].startswith("Queue")
    filters = page.get_by_role("button", name="Фильтры", exact=True)
    service = page.get_by_text("Сервис", exact=True)  # the service filter's placeholder
    assert service.count() == 1 and not service.is_visible()
    filters.click()
    service.wait_for(state="visible")
    assert filters.get_attribute("aria-expanded") == "true"
    picker.select_option(label="In progress")
    page.get_by_text(f"В работе {tag}").wait_for(state="visible")
    assert not page.get_by_text(f"В очереди {tag}").is_visible()
    assert page.locator("#board-lanes").get_by_text(f"Агент {tag}", exact=True).is_visible()  # the lane's name stays beside the column
    assert fits(page), "the board is wider than the phone"
    page.reload()  # the column picked stays picked in this tab
    page.get_by_text(f"В работе {tag}").wait_for(state="visible")
    assert picker.input_value() != "" and not page.get_by_text(f"В очереди {tag}").is_visible()

    page.goto(f"{live_server}/tickets")
    page.get_by_role("button", name="Фильтры", exact=True).wait_for()
    status = page.locator("label:text-is('Статус')")  # the status filter's label (the grid has a column too)
    assert status.count() == 1 and not status.is_visible()
    page.get_by_role("button", name="Фильтры", exact=True).click()
    status.wait_for(state="visible")
    assert fits(page), "the ticket list is wider than the phone"


def test_phone_weekly_tables_are_cards_that_fit(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        data = build(s, tag)
        data["director"].email = f"director-{tag}@example.com"
        email, teams = data["director"].email, f"{data['l1']},{data['l2']}"
    page.set_viewport_size(PHONE)
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/weekly?week={WEEK.label}&teams={teams}")
    page.wait_for_selector("#weekly-teams")
    wide = page.evaluate("""() => [...document.querySelectorAll('.okno-weekly table')]
        .filter(t => t.getBoundingClientRect().right > innerWidth || t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => t.id || t.closest('.okno-agent-col')?.innerText.slice(0, 20))""")
    assert wide == [], "tables wider than the phone"
    first = page.locator("#weekly-teams tbody tr").first  # a card: the team, then labelled figures
    assert first.locator("th").inner_text() == f"L1 {tag}"
    assert first.locator("td").first.evaluate("e => getComputedStyle(e, '::before').content") == '"Поступило"'


def test_my_requests_pages_and_filters_on_a_phone(page, live_server):
    tag = uuid.uuid4().hex[:6]
    address = f"many-{tag}@corp.example"
    with session_scope() as s:
        team = f.team(s)
        board = f.board(s, team)
        service = f.service(s, board)
        service.allowed_domains = ["corp.example"]
        me = f.requester(s, email=address, name=f"Мария {tag}")
        lead = f.user(s, "manager", team)
        done_column = f.column(board, "done")
        start = datetime.now().astimezone() - timedelta(days=60)
        for i in range(45):
            t = tickets.create(s, lead, title=f"Заявка {i:02d} {tag}", board_id=board.id, requester_id=me.id,
                               channel="portal", service_id=service.id, at=start + timedelta(hours=i))
            if i < 5:  # the five oldest are finished
                tickets.move(s, lead, t.id, done_column.id)
    page.set_viewport_size(PHONE)
    portal_login(page, live_server, address)
    rows = page.locator(".portal-request-row")
    assert rows.count() == 20 and f"Заявка 44 {tag}" in rows.first.inner_text()
    assert page.inner_text("#portal-page-label") == "Страница 1 из 3"
    assert fits(page), "my requests is wider than the phone"
    assert not serious(page), "axe finds serious problems on the phone"
    page.locator("#portal-page-next").click()
    page.wait_for_function("(document.getElementById('portal-page-label') || {}).innerText === 'Страница 2 из 3'")
    assert f"Заявка 24 {tag}" in rows.first.inner_text()
    page.locator("#portal-filter-done").click()
    page.wait_for_function("document.querySelectorAll('.portal-request-row').length === 5")
    assert sorted(re.search(r"Заявка (\d\d)", r).group(1) for r in rows.all_inner_texts()) == ["00", "01", "02", "03", "04"]
    assert page.locator("#portal-pager button, #portal-pager a").count() == 0  # one page: no pager
    page.locator("#portal-filter-open").click()
    page.wait_for_function("(document.getElementById('portal-page-label') || {}).innerText === 'Страница 1 из 2'")
    assert f"Заявка 04 {tag}" not in page.inner_text("#portal-requests")


def test_manager_filters_the_list_by_sla_and_sorts_by_due(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        board = f.board(s, team)
        email = f"manager-{tag}@example.com"
        lead = f.user(s, "manager", team, email=email)
        now = datetime.now().astimezone()
        for title, due, risk in ((f"Просрочена {tag}", now - timedelta(hours=2), now - timedelta(hours=4)),
                                 (f"Скоро срок {tag}", now + timedelta(days=3), now - timedelta(minutes=1)),
                                 (f"Спокойно {tag}", now + timedelta(days=5), now + timedelta(days=4))):
            t = tickets.create(s, lead, title=title, board_id=board.id)
            t.sla_due_at, t.sla_at_risk_at = due, risk
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/tickets?q={tag}")
    grid = page.locator("#tickets-grid")
    grid.get_by_text(f"Спокойно {tag}").wait_for()
    assert grid.get_by_role("columnheader", name="Срок SLA").count() == 1
    page.click("#tickets-sla")
    page.get_by_role("option", name="SLA под угрозой").click()
    page.wait_for_url(re.compile(r"sla=at_risk"))
    grid.get_by_text(f"Спокойно {tag}").wait_for(state="detached")
    grid.get_by_text(f"Скоро срок {tag}").wait_for()
    assert not grid.get_by_text(f"Просрочена {tag}").count()
    page.goto(f"{live_server}/tickets?q={tag}&sla=breached")
    grid.get_by_text(f"Просрочена {tag}").wait_for()
    assert not grid.get_by_text(f"Скоро срок {tag}").count()
