"""An admin looks up 2027 in the production calendar, then imports an official year and sees it take over."""
from __future__ import annotations

import uuid

from sqlalchemy import delete

from data.db import session_scope
from data.models import ProductionYear
from tests import factories as f
from tests.e2e.conftest import login

XML_2039 = ('<?xml version="1.0" encoding="UTF-8"?><calendar year="2039" lang="ru"><days>'
            '<day d="01.03" t="1"/><day d="03.07" t="2"/><day d="05.02" t="1"/><day d="05.07" t="3"/></days></calendar>')


def test_admin_reads_a_year_and_imports_the_official_file(page, live_server, tmp_path):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        email = f.user(s, "admin", email=f"prod-{tag}@example.com").email
    login(page, live_server, email, f.PASSWORD)
    try:
        page.goto(f"{live_server}/admin/production-calendar")
        page.fill("#prod-year", "2027")
        page.wait_for_selector("#prod-work li:has-text('20.02.2027')")
        assert "20.02.2027" in page.inner_text("#prod-short")  # the working Saturday before 23 February
        assert "31.12.2027" in page.inner_text("#prod-off")

        file = tmp_path / "calendar2039.xml"
        file.write_text(XML_2039, encoding="utf-8")
        page.set_input_files("#prod-upload input[type=file]", str(file))
        page.wait_for_selector("#prod-result.alert-success")
        assert "2039" in page.inner_text("#prod-result")
        # The new year's view is drawn twice (by the import, then by the year field it sets): wait for it.
        page.wait_for_selector("#prod-source:has-text('calendar2039.xml')")
        page.wait_for_selector("#prod-work li:has-text('07.05.2039')")
        assert "02.05.2039" in page.inner_text("#prod-off") and "07.03.2039" in page.inner_text("#prod-short")

        page.click("#prod-forget")
        page.wait_for_selector("#prod-source:not(:has-text('calendar2039.xml'))")
    finally:
        with session_scope() as s:
            s.execute(delete(ProductionYear).where(ProductionYear.year == 2039))
