"""An analyst opens the Efficiency page (flow efficiency, WIP per day, daily throughput, blocked time) and
the Flow page's aging chart with each column's SLE, in Russian, on a board with blocked cards."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from data.db import session_scope
from data.tickets import actions as tickets
from data.tickets.actions import now
from tests import factories as f
from tests.e2e.conftest import login

CHARTS = ("flow-efficiency", "wip-run", "throughput-histogram", "blocked-reasons", "blocked-cards")


@pytest.fixture(scope="module")
def board(live_server):
    """Three weeks on one board: a ticket a day, started the next day, every third blocked for a few hours
    ("Нет доступа" or "ждём ответ поставщика"), most done two days later; the last ones still open."""
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Efficiency team {tag}")
        agent = f.user(s, "agent", team, email=f"agent-{tag}@example.com")
        analyst = f.user(s, "analyst", email=f"analyst-{tag}@example.com")
        b = f.board(s, team, agents=[agent], name=f"Efficiency board {tag}")
        lane = f.lane_of(b, agent).id
        column = {k: f.column(b, k).id for k in ("in_progress", "done")}
        start = now() - timedelta(days=21)
        for day in range(21):
            created = start + timedelta(days=day)
            t = tickets.create(s, None, title=f"Заявка {tag} {day}", board_id=b.id, lane_id=lane, at=created,
                               channel="email", team_id=team.id)
            tickets.move(s, None, t.id, column["in_progress"], lane, at=created + timedelta(days=1))
            if day % 3 == 0:
                reason = "Нет доступа" if day % 2 else "ждём ответ поставщика"
                tickets.set_blocked(s, agent, t.id, True, reason, at=created + timedelta(days=1, hours=2))
                tickets.set_blocked(s, agent, t.id, False, at=created + timedelta(days=1, hours=7))
            if day < 17:
                tickets.move(s, None, t.id, column["done"], lane, at=created + timedelta(days=2, hours=3))
        return dict(id=b.id, analyst=analyst.email)


def _wait_for_charts(page):
    page.wait_for_selector(".okno-an-card .js-plotly-plot .main-svg", timeout=20000)
    page.wait_for_load_state("networkidle")


def test_efficiency_page_shows_its_charts_in_russian(page, live_server, board):
    login(page, live_server, board["analyst"], f.PASSWORD)
    page.goto(f"{live_server}/analytics/flow?board={board['id']}")
    _wait_for_charts(page)
    page.click("#an-nav-efficiency")  # the new section is in the analytics tabs and keeps the filter
    page.wait_for_url(f"**/analytics/efficiency?*board={board['id']}*")
    _wait_for_charts(page)
    assert page.inner_text("#an-nav-efficiency") == "Эффективность"
    for name in CHARTS:
        page.wait_for_selector(f"#an-card-{name} .js-plotly-plot .main-svg")
    page.wait_for_function("document.querySelector('#an-card-blocked-reasons').textContent.includes('Нет доступа')")
    reasons = page.locator("#an-card-blocked-reasons .main-svg").all_text_contents()
    assert any("ждём ответ поставщика" in t for t in reasons) and any("Всего" in t for t in reasons)
    efficiency = " ".join(page.locator("#an-card-flow-efficiency .main-svg").all_text_contents())
    assert "Активная работа" in efficiency and "За период: активно" in efficiency and "\u00a0%" in efficiency
    # The definition is one hover away.
    page.hover("#an-info-flow-efficiency")
    page.wait_for_selector(".okno-an-tip:has-text('Активное время')")
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_aging_chart_draws_the_column_sle(page, live_server, board):
    login(page, live_server, board["analyst"], f.PASSWORD)
    page.goto(f"{live_server}/analytics/flow?board={board['id']}")
    _wait_for_charts(page)
    page.wait_for_function(
        "document.querySelector('#an-card-aging').textContent.includes('85% ушли из колонки')", timeout=20000)
    assert not [e for e in page.console_errors if "favicon" not in e]
