"""An admin fixes a wrong working-hours interval on the calendar page, then sets up an SLA policy on it."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

from data.db import session_scope
from data.models import BusinessCalendar, SlaPolicy
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_rules_admin import field


@pytest.fixture
def tag():
    """A unique name part; the policy made in the UI matches every ticket, so it is removed afterwards."""
    value = uuid.uuid4().hex[:6]
    yield value
    with session_scope() as s:
        s.execute(delete(SlaPolicy).where(SlaPolicy.name == f"Berlin policy {value}"))
        s.execute(delete(BusinessCalendar).where(BusinessCalendar.name == f"Berlin office {value}"))


def test_calendar_error_next_to_the_field_then_a_policy(page, live_server, tag):
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"cal-{tag}@example.com")
        email = admin.email
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/admin/calendars")
    page.fill(field("f", "name", "cal"), f"Berlin office {tag}")
    page.fill(field("f", "timezone", "cal"), "Europe/Berlin")
    page.fill(field("f", "mon", "cal"), "18:00-09:00")
    page.click("#cal-save")
    page.wait_for_selector("#slaadmin-error")
    assert "is-invalid" in page.locator(field("f", "mon", "cal")).get_attribute("class")
    page.fill(field("f", "mon", "cal"), "09:00-13:00, 14:00-18:00")
    page.click("#cal-save")
    page.wait_for_selector("#slaadmin-saved")
    assert page.locator("#cal-table").get_by_text(f"Berlin office {tag}").is_visible()

    page.goto(f"{live_server}/admin/sla")
    page.fill(field("f", "name", "slapol"), f"Berlin policy {tag}")
    page.fill(field("f", "first_response", "slapol"), "30")
    page.select_option(field("f", "first_response_calendar", "slapol"), label=f"Berlin office {tag}")
    page.click("#slapol-save")
    page.wait_for_selector("#slaadmin-saved")
    row = page.locator("#slapol-table tr", has_text=f"Berlin policy {tag}")
    assert "30" in row.inner_text() and f"Berlin office {tag}" in row.inner_text()
    assert not page.console_errors, page.console_errors
