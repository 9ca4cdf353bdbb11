"""An analyst opens every analytics page on seeded history: charts render without console errors,
the filter lives in the URL, a chart click opens the ticket list with the same filters, a CSV
downloads; an agent is kept out."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from data.tickets import actions as tickets
from data.db import session_scope
from data.metrics.filters import today
from data.tickets.actions import now
from tests import factories as f
from tests.e2e.conftest import login

PAGES = ["/", "/analytics/flow", "/analytics/sla", "/analytics/team", "/analytics/compare", "/analytics/forecast"]


@pytest.fixture(scope="module")
def seeded(live_server):
    """Six weeks of work on one board: a ticket a day, most started the next day and done two days later."""
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Analytics team {tag}")
        agent = f.user(s, "agent", team, email=f"agent-{tag}@example.com", name=f"Агент {tag}")
        analyst = f.user(s, "analyst", email=f"analyst-{tag}@example.com")
        board = f.board(s, team, agents=[agent], name=f"Analytics board {tag}")
        lane = f.lane_of(board, agent).id
        column = {k: f.column(board, k).id for k in ("in_progress", "done")}
        start = now() - timedelta(days=42)
        for day in range(42):
            created = start + timedelta(days=day)
            t = tickets.create(s, None, title=f"Заявка {tag} {day}", board_id=board.id, lane_id=lane, at=created,
                               channel="email", team_id=team.id)
            if day % 7 != 6:
                tickets.move(s, None, t.id, column["in_progress"], lane, at=created + timedelta(days=1))
                if day < 38:
                    tickets.move(s, None, t.id, column["done"], lane, at=created + timedelta(days=2, hours=3))
        return dict(tag=tag, board=board.id, analyst=analyst.email, agent=agent.email)


def _wait_for_charts(page):
    page.wait_for_selector(".okno-an-card .js-plotly-plot .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")


def test_every_page_renders_without_console_errors(page, live_server, seeded):
    login(page, live_server, seeded["analyst"], f.PASSWORD)
    for path in PAGES:
        page.goto(f"{live_server}{path}?board={seeded['board']}")
        _wait_for_charts(page)
        assert page.locator("#page-denied").count() == 0, path
        assert page.locator(".okno-an-card").count() >= 2, path
        if path in ("/", "/analytics/sla"):
            page.wait_for_selector("#an-kpi-created")
            assert page.inner_text("#an-kpi-created").split("\n")[1].split()[0].isdigit()
    page.goto(f"{live_server}/analytics/team?board={seeded['board']}")
    page.wait_for_selector("#an-agents-table")
    assert f"Агент {seeded['tag']}" in page.inner_text("#an-agents-table")
    page.goto(f"{live_server}/analytics/compare?board={seeded['board']}")
    page.wait_for_selector("#an-cmp-table, #an-cmp-body .text-muted")
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_filter_lives_in_the_url_and_a_bar_opens_the_tickets(page, live_server, seeded):
    login(page, live_server, seeded["analyst"], f.PASSWORD)
    start = (today() - timedelta(days=20)).isoformat()
    page.goto(f"{live_server}/?board={seeded['board']}&from={start}")
    _wait_for_charts(page)
    # The section tabs carry the filter: the Flow tab keeps the board and the period.
    href = page.get_attribute("#an-nav-flow", "href")
    assert f"board={seeded['board']}" in href and f"from={start}" in href
    # Changing a filter rewrites the address bar so the link reproduces the view.
    page.locator("#an-f-channel").click()
    page.keyboard.type("Почта")
    page.get_by_role("option", name="Почта").first.click()
    page.wait_for_function("window.location.search.includes('channel=email')")
    assert f"board={seeded['board']}" in page.url
    # The CSV of a chart's data.
    with page.expect_download() as info:
        page.click("#an-card-created-resolved button:has-text('CSV')")
    text = open(info.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0] == "bucket,partial,created,resolved,reopened,backlog"
    # Clicking a bar opens the ticket list with the same filters.
    page.locator("#an-card-created-resolved .bars path").first.click(force=True)
    page.wait_for_url("**/tickets?**")
    assert f"board={seeded['board']}" in page.url and "channel=email" in page.url
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_agents_get_the_landing_page_not_analytics(page, live_server, seeded):
    login(page, live_server, seeded["agent"], f.PASSWORD)
    page.goto(f"{live_server}/")
    page.wait_for_selector("#an-landing")
    page.goto(f"{live_server}/analytics/flow")
    page.wait_for_selector("#page-denied")
    assert page.locator(".okno-an-card").count() == 0


RU_MONTHS = ("Янв", "Февр", "Март", "Апр", "Май", "Июнь", "Июль", "Авг", "Сент", "Окт", "Ноя", "Дек")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def test_charts_speak_russian(page, live_server, seeded):
    """In the Russian UI a date axis names the months in Russian (Plotly's ru locale, served as an asset),
    a log axis reads 1, 2, 5, 10 … and the change in arrivals is grey: more requests is neither good nor bad."""
    login(page, live_server, seeded["analyst"], f.PASSWORD)
    page.goto(f"{live_server}/analytics/flow?board={seeded['board']}")
    page.wait_for_selector("#an-card-cfd .xaxislayer-above .xtick text", timeout=20000)
    ticks = page.locator("#an-card-cfd .xaxislayer-above .xtick text").all_text_contents()
    assert any(m in t for t in ticks for m in RU_MONTHS), ticks
    assert not any(m in t for t in ticks for m in EN_MONTHS), ticks
    page.wait_for_selector("#an-card-cycle-scatter .yaxislayer-above .ytick text")
    log_ticks = page.locator("#an-card-cycle-scatter .yaxislayer-above .ytick text").all_text_contents()
    assert log_ticks and set(log_ticks) <= {"0,01", "0,02", "0,05", "0,1", "0,2", "0,5", "1", "2", "5", "10",
                                            "20", "50", "100", "200", "500", "1000"}, log_ticks

    page.goto(f"{live_server}/?board={seeded['board']}")
    page.wait_for_selector("#an-kpi-created")
    change = page.locator("#an-kpi-created-change")
    if change.count():  # there was a previous period to compare with
        assert "text-secondary" in change.get_attribute("class")
    assert not [e for e in page.console_errors if "favicon" not in e]
