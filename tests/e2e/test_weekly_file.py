"""The weekly summary's HTML file opens in headless Chromium with all network blocked and shows its charts."""
from __future__ import annotations

import pytest

from data.weekly import summary as weekly
from data.weekly import report as weekly_report
from tests.weekly_data import WEEK, build


@pytest.fixture
def summary(session):
    data = build(session, "file")
    return weekly.summary(session, data["director"], WEEK, team_ids=[data["l1"], data["l2"]])


def test_html_file_opens_offline_with_its_charts(summary, browser):
    document = weekly_report.html(summary, "en")
    assert "cdn" not in document.lower().split("<script>")[0]  # no external stylesheet or script
    requested = []
    context = browser.new_context(offline=True)
    errors = []

    def block(route):
        requested.append(route.request.url)
        route.abort()
    try:
        context.route("**/*", block)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(document, wait_until="load")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
        bars = page.eval_on_selector_all(".js-plotly-plot .bars path", "els => els.length")
        words = page.inner_text("#weekly-words")
        kpi = page.inner_text("#weekly-kpis")
    finally:
        context.close()
    assert requested == [] and errors == []
    assert bars > 0
    assert "SLA met fell to 40% (from 100%) because of 3 breaches on Thursday" in words
    assert "Received" in kpi and "10" in kpi
