"""The weekly summary as PDF: A4 pages with the summary's text (the offline HTML file: tests/e2e/test_weekly_file.py)."""
from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from data.weekly import summary as weekly
from data.weekly import report as weekly_report
from tests.weekly_data import WEEK, build

CHROMIUM = os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("OKNO_REQUIRE_BROWSER") != "1",
                                reason="Chromium not installed")


@pytest.fixture
def summary(session):
    data = build(session, "file")
    return weekly.summary(session, data["director"], WEEK, team_ids=[data["l1"], data["l2"]])


def test_pdf_has_the_pages(summary):
    body = weekly_report.pdf(weekly_report.html(summary, "ru"))
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 2
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3  # A4 in points
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Недельная сводка" in text and "2024-W20" in text
    assert "больше всего просрочек в четверг (3 просрочки)" in " ".join(text.split())
