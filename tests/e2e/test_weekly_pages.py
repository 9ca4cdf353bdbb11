"""A director reads the weekly summary, prints it, downloads the offline file and subscribes;
an analyst exports the ticket list as XLSX with progress and re-runs a saved export."""
from __future__ import annotations

import io
import uuid
from urllib.parse import quote

import openpyxl
import pytest

from data.tickets import actions as tickets
from data.db import session_scope
from tests import factories as f
from tests.e2e.conftest import login
from tests.weekly_data import WEEK, build


@pytest.fixture(scope="module")
def seeded(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        data = build(s, tag)
        director = data["director"]
        director.email = f"director-{tag}@example.com"
        analyst = f.user(s, "analyst", email=f"analyst-{tag}@example.com")
        board = f.board(s)
        for i in range(30):
            tickets.create(s, data["lead"], title=f"Выгрузка {tag} {i}", board_id=board.id, channel="portal")
        return dict(tag=tag, director=director.email, analyst=analyst.email, teams=f"{data['l1']},{data['l2']}")


def test_director_reads_prints_and_downloads_the_summary(page, live_server, seeded):
    login(page, live_server, seeded["director"], f.PASSWORD)
    page.goto(f"{live_server}/weekly?week={WEEK.label}&teams={seeded['teams']}")
    page.wait_for_selector("#weekly-kpis")
    assert "10" in page.inner_text("#weekly-kpi-created")
    assert "40%" in page.inner_text("#weekly-kpi-sla_met")
    words = page.inner_text("#weekly-words")
    assert "больше всего просрочек в четверг (3 просрочки)" in words  # the browser context speaks Russian
    page.wait_for_selector("#weekly-chart-weekly-daily .main-svg")
    assert page.locator("#weekly-overdue tbody tr").count() == 2

    page.emulate_media(media="print")
    assert not page.is_visible(".okno-weekly-controls") and not page.is_visible(".okno-navbar")
    page.emulate_media(media="screen")

    with page.expect_download() as info:
        page.click("#weekly-html")
    document = open(info.value.path(), encoding="utf-8").read()
    assert info.value.suggested_filename == f"okno-weekly-{WEEK.label}.html"
    assert "Plotly.newPlot" in document and "больше всего просрочек в четверг (3 просрочки)" in document
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_director_subscribes(page, live_server, seeded):
    login(page, live_server, seeded["director"], f.PASSWORD)
    page.goto(f"{live_server}/weekly/subscriptions")
    page.check("#wsub-by-telegram")
    page.click("#wsub-save")  # no chat linked: the form says so
    page.wait_for_selector("#wsub-alert.alert-danger")
    page.fill("#wsub-chat", "777")
    page.uncheck("#wsub-by-email")
    page.click("#wsub-save")
    page.wait_for_selector("#wsub-alert.alert-success")
    assert "777" in page.inner_text("#wsub-table")
    page.click("#wsub-table button")  # remove it (and leave no live subscription to other tests)
    page.wait_for_selector("#wsub-alert.alert-secondary")
    assert page.locator("#wsub-table").count() == 0


def test_analyst_exports_xlsx_with_progress_and_reruns_a_saved_export(page, live_server, seeded):
    tag = seeded["tag"]
    login(page, live_server, seeded["analyst"], f.PASSWORD)
    page.goto(f"{live_server}/tickets?q=" + quote(f"Выгрузка {tag}"))
    page.wait_for_selector(".ag-row")
    page.wait_for_function("document.querySelector('#tickets-count').innerText.includes('30')")
    page.click("#exports-toggle")
    page.click("label[for='_dbcprivate_radioitems_exports-format_input_xlsx']")
    with page.expect_download() as info:
        page.click("#exports-run")
    sheet = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 31 and rows[0][0] == "number"
    page.wait_for_function("document.querySelector('#exports-status').innerText.includes(': 30')")  # done: 30 rows
    page.wait_for_function("document.querySelector('#exports-progress').innerText.includes('100%')")

    page.fill("#exports-name", f"Мои {tag}")
    page.click("#exports-save")
    page.wait_for_function(f"document.querySelector('#exports-status').innerText.includes('Мои {tag}')")
    page.click("#exports-saved")
    with page.expect_download() as again:
        page.locator(".dropdown-item", has_text=f"Мои {tag}").click()
    assert again.value.suggested_filename.endswith(".xlsx")
    page.locator("#exports-saved-list button").first.click()  # delete it again
    page.wait_for_function(f"!document.querySelector('#exports-saved-list').innerText.includes('Мои {tag}')")


def test_weekly_summary_fits_a_1440_pixel_screen(page, live_server, seeded):
    """No table of the summary is cut at 1,440 px: each fits its container (nothing to scroll sideways)."""
    login(page, live_server, seeded["director"], f.PASSWORD)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server}/weekly?week={WEEK.label}&teams={seeded['teams']}")
    page.wait_for_selector(".okno-agents table")
    assert "Открыто сейчас" in page.inner_text(".okno-agents")
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.okno-weekly table')].map(t => {
        const box = t.closest('.table-responsive') || t.parentElement;
        return {id: t.id || box.id, scroll: box.scrollWidth, client: box.clientWidth,
                right: t.getBoundingClientRect().right, page: document.documentElement.clientWidth};
    }).filter(b => b.scroll > b.client + 1 || b.right > b.page)""")
    assert page.locator(".okno-weekly table").count() >= 4
    assert overflowing == []
