"""The first hour, one journey per role, checked by what a person sees on the screen: a requester files a
request and finds it again among their others (Russian), a director reads the weekly summary on a 1,440 px
screen (Russian), an analyst counts, exports and opens the Flow page (English), and a requester does it all
on a 390×844 phone through the folded menu."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime, timedelta

import pytest

from data.db import session_scope
from data.tickets import actions as tickets
from tests import factories as f
from tests import portal_factories as pf
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import portal_login
from tests.e2e.test_portal import choose
from tests.weekly_data import WEEK, build

PHONE = {"width": 390, "height": 844}


def nothing_sideways(page) -> bool:
    """The page and every table wrapper on it are no wider than the screen: nothing to scroll sideways."""
    return page.evaluate("""() => document.scrollingElement.scrollWidth <= innerWidth &&
        [...document.querySelectorAll('.table-responsive')].every(w => w.scrollWidth <= w.clientWidth + 1)""")


@pytest.fixture
def requester_with_history(live_server):
    """A requester with 20 earlier requests on the portal (the 5 oldest finished) and a service to file a new one."""
    tag = uuid.uuid4().hex[:6]
    address = f"olga-{tag}@corp.example"
    with session_scope() as s:
        desk = pf.desk(s)
        desk["service"].name = f"ИТ-поддержка {tag}"
        desk["service"].allowed_domains = ["corp.example"]
        pf.request_type(s, desk["service"], fields=[], name=f"Другой вопрос {tag}")
        me = f.requester(s, email=address, name=f"Ольга {tag}")
        start = datetime.now().astimezone() - timedelta(days=30)
        for i in range(20):
            t = tickets.create(s, desk["lead"], title=f"Старая заявка {i:02d} {tag}", board_id=desk["board"].id,
                               requester_id=me.id, channel="portal", service_id=desk["service"].id,
                               at=start + timedelta(hours=i))
            if i < 5:
                tickets.move(s, desk["lead"], t.id, f.column(desk["board"], "done").id)
    return dict(tag=tag, address=address, service=f"ИТ-поддержка {tag}", type=f"Другой вопрос {tag}")


def test_requester_files_a_request_and_finds_it_among_their_others(page, live_server, requester_with_history):
    tag = requester_with_history["tag"]
    portal_login(page, live_server, requester_with_history["address"])
    assert page.locator(".portal-request-row").count() == 20 and page.locator("#portal-page-label").count() == 0

    page.get_by_role("link", name="Новая заявка").last.click()
    choose(page, "#portal-new-service", requester_with_history["service"])
    choose(page, "#portal-new-type", requester_with_history["type"])
    page.fill("#portal-new-title", f"Не открывается 1С {tag}")
    page.click("#portal-new-submit")
    page.wait_for_url(re.compile(r"/portal/request/\d+$"))
    number = page.url.rsplit("/", 1)[1]
    assert f"Не открывается 1С {tag}" in page.inner_text("#portal-request-title")
    assert page.inner_text("#portal-request-status") == "В очереди"

    page.click("#portal-nav-mine")
    rows = page.locator(".portal-request-row")
    rows.first.wait_for()
    newest = rows.first.inner_text()
    assert f"#{number}" in newest and f"Не открывается 1С {tag}" in newest and "В очереди" in newest
    assert rows.count() == 20 and page.inner_text("#portal-page-label") == "Страница 1 из 2"

    page.get_by_title("Следующая страница").click()
    page.wait_for_function("(document.getElementById('portal-page-label') || {}).innerText === 'Страница 2 из 2'")
    assert rows.count() == 1 and f"Старая заявка 00 {tag}" in rows.first.inner_text()

    page.get_by_role("link", name="Завершённые").click()
    page.wait_for_function("document.querySelectorAll('.portal-request-row').length === 5")
    assert all("Готово" in r for r in rows.all_inner_texts())
    page.get_by_role("link", name="В работе").click()
    page.wait_for_function("document.querySelectorAll('.portal-request-row').length === 16")
    assert page.locator("#portal-page-label").count() == 0 and f"Не открывается 1С {tag}" in rows.first.inner_text()
    assert not [e for e in page.console_errors if "favicon" not in e]


@pytest.fixture
def director(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        data = build(s, tag)
        data["director"].email = f"director-{tag}@example.com"
        return dict(email=data["director"].email, teams=f"{data['l1']},{data['l2']}")


def test_director_reads_the_weekly_summary_on_a_1440_screen(page, live_server, director):
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server, director["email"], f.PASSWORD)
    assert page.url.endswith("/weekly")  # where a director starts
    page.goto(f"{live_server}/weekly?week={WEEK.label}&teams={director['teams']}")
    page.wait_for_selector(".okno-agents table")
    assert page.locator(".okno-weekly h1").inner_text().startswith("Недельная сводка")
    created = page.inner_text("#weekly-kpi-created")
    assert "Поступило" in created and "10" in created
    assert "больше всего просрочек в четверг (3 просрочки)" in page.inner_text("#weekly-words")
    assert page.locator("#weekly-teams tbody tr").count() == 2
    assert nothing_sideways(page), "the weekly summary does not fit 1,440 px"
    # The KPI cards stand in one row at this width: six figures at a glance.
    tops = page.evaluate("[...document.querySelectorAll('.okno-kpi')].map(k => Math.round(k.getBoundingClientRect().top))")
    assert len(tops) == 6 and len(set(tops)) == 1


@pytest.fixture
def analyst(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        email = f"analyst-{tag}@example.com"
        f.user(s, "analyst", email=email)
        board = f.board(s)
        lead = f.user(s, "manager")
        for title in ("Printer jams", "VPN drops", "New laptop"):
            tickets.create(s, lead, title=f"{title} {tag}", board_id=board.id, channel="email")
    return dict(tag=tag, email=email)


def test_analyst_counts_exports_and_opens_the_flow(browser, live_server, analyst):
    tag = analyst["tag"]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    login(page, live_server, analyst["email"], f.PASSWORD)
    page.goto(f"{live_server}/tickets?q={tag}")
    page.locator("#tickets-grid").get_by_text(f"VPN drops {tag}").wait_for()
    page.wait_for_function("(document.getElementById('tickets-count') || {}).innerText === '3 tickets'")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) == 4, "a header and the three tickets"
    assert sorted(r[table[0].index("title")] for r in table[1:]) == \
        [f"New laptop {tag}", f"Printer jams {tag}", f"VPN drops {tag}"]

    # How fast is measured by `make bench` (bench/analytics.py), not here: a loaded CI machine would fail it.
    page.goto(f"{live_server}/analytics/flow")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=20000)
    assert page.get_by_role("heading", name=re.compile("Flow")).count() >= 1
    context.close()


def test_requester_on_a_phone_uses_the_folded_menu(page, live_server, requester_with_history):
    tag = requester_with_history["tag"]
    page.set_viewport_size(PHONE)
    portal_login(page, live_server, requester_with_history["address"])
    menu = page.get_by_role("button", name="Меню")
    assert menu.is_visible() and not page.locator("#portal-nav-new").is_visible()
    assert nothing_sideways(page), "My requests is wider than the phone"
    newest = page.locator(".portal-request-row").first
    status = newest.get_by_text("В очереди")
    number = newest.get_by_role("link", name=re.compile(r"^#\d+$"))
    # A card per request: the number and the status on one line, the subject under them.
    assert abs(status.bounding_box()["y"] - number.bounding_box()["y"]) < 12
    assert newest.get_by_role("link", name=f"Старая заявка 19 {tag}").bounding_box()["y"] > \
        number.bounding_box()["y"] + 10

    menu.click()
    page.locator("#portal-nav-new").wait_for(state="visible")
    assert menu.get_attribute("aria-expanded") == "true"
    page.locator("#portal-nav-new").click()
    page.wait_for_url(re.compile(r"/portal/new"))
    choose(page, "#portal-new-service", requester_with_history["service"])
    choose(page, "#portal-new-type", requester_with_history["type"])
    page.fill("#portal-new-title", f"С телефона {tag}")
    page.click("#portal-new-submit")
    page.wait_for_url(re.compile(r"/portal/request/\d+$"))
    assert nothing_sideways(page)
    page.get_by_role("button", name="Меню").click()
    page.locator("#portal-nav-mine").click()
    page.locator(".portal-request-row", has_text=f"С телефона {tag}").wait_for()
