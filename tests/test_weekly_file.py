"""The weekly summary as a file: the HTML opens in headless Chromium with the network blocked and
shows its charts; the PDF has pages with the summary's text."""
from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from data import weekly, weekly_report
from tests.weekly_data import WEEK, build

CHROMIUM = os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("OKNO_REQUIRE_BROWSER") != "1",
                                reason="Chromium not installed")


@pytest.fixture
def summary(session):
    data = build(session, "file")
    return weekly.summary(session, data["director"], WEEK, team_ids=[data["l1"], data["l2"]])


def test_html_file_opens_offline_with_its_charts(summary):
    from playwright.sync_api import sync_playwright
    document = weekly_report.html(summary, "en")
    assert "cdn" not in document.lower().split("<script>")[0]  # no external stylesheet or script
    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=weekly_report.CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True)

            def block(route):
                requested.append(route.request.url)
                route.abort()
            context.route("**/*", block)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_content(document, wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
            bars = page.eval_on_selector_all(".js-plotly-plot .bars path", "els => els.length")
            words = page.inner_text("#weekly-words")
            kpi = page.inner_text("#weekly-kpis")
        finally:
            browser.close()
    assert requested == [] and errors == []
    assert bars > 0
    assert "SLA met fell to 40% (from 100%) because of 3 breaches on Thursday" in words
    assert "Received" in kpi and "10" in kpi


def test_pdf_has_the_pages(summary):
    body = weekly_report.pdf(weekly_report.html(summary, "ru"))
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 2
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3  # A4 in points
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Недельная сводка" in text and "2024-W20" in text
    assert "из-за 3 нарушений в четверг" in " ".join(text.split())
