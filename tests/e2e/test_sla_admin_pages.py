"""An admin fixes a wrong working-hours interval on the calendar page, then sets up an SLA policy on it."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, func, select

from data.db import session_scope
from data.models import BusinessCalendar, Service, SlaPolicy
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
    page.fill(field("f", "first_response__m", "slapol"), "30")
    page.select_option(field("f", "first_response_calendar", "slapol"), label=f"Berlin office {tag}")
    page.click("#slapol-save")
    page.click("#slapol-confirm-yes")  # no conditions: it applies to every request, which is asked first
    page.wait_for_selector("#slaadmin-saved")
    row = page.locator("#slapol-table tr", has_text=f"Berlin policy {tag}")
    assert "30" in row.inner_text() and f"Berlin office {tag}" in row.inner_text()
    assert not page.console_errors, page.console_errors


# What the browser does on closing or reloading the page: a handler that prevents the event makes it ask.
LEAVING = "() => { const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented; }"


@pytest.fixture
def service_tag():
    value = uuid.uuid4().hex[:6]
    yield value
    with session_scope() as s:
        s.execute(delete(SlaPolicy).where(SlaPolicy.name == f"VIP {value}"))


def test_create_asks_before_losing_input_and_durations_are_stored_as_minutes(page, live_server, service_tag):
    """1 d 4 h and 20 % are typed as people say them; the policy stores 1680 minutes and 0.2. "Создать" over
    a filled-in form asks first, and a policy without conditions is not saved as a catch-all silently."""
    tag = service_tag
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"slaform-{tag}@example.com")
        email = admin.email
        last = s.scalar(select(func.max(SlaPolicy.position))) or 0
        service_name = f.service(s, f.board(s), name=f"VIP desk {tag}").name
    login(page, live_server, email, f.PASSWORD)
    page.goto(f"{live_server}/admin/sla")
    page.wait_for_load_state("networkidle")  # the form's own start-up callbacks first: they would reset what is filled
    assert page.locator(field("f", "position", "slapol")).input_value() == str(last + 10)
    assert page.locator("#slapol-unsaved").is_hidden()
    assert not page.evaluate(LEAVING)  # nothing typed: the page closes without a question

    page.fill(field("f", "name", "slapol"), f"VIP {tag}")
    page.fill(field("f", "resolution__d", "slapol"), "1")
    page.fill(field("f", "resolution__h", "slapol"), "4")
    page.fill(field("f", "at_risk_share", "slapol"), "20")
    page.wait_for_selector("#slapol-unsaved:not(.d-none)")
    assert page.evaluate(LEAVING)  # the browser asks before closing or reloading
    page.wait_for_load_state("networkidle")  # what was typed has reached the form's state
    page.click("#slapol-new")
    page.wait_for_selector("#slapol-discard", state="visible")
    page.click("#slapol-discard-no")
    page.wait_for_selector("#slapol-discard", state="hidden")
    assert page.locator(field("f", "name", "slapol")).input_value() == f"VIP {tag}"  # nothing lost

    page.fill(field("f", "at_risk_share", "slapol"), "120")
    page.click("#slapol-save")
    page.click("#slapol-confirm-no")  # no conditions yet: the admin adds one instead
    services = page.locator(field("m", "services", "slapol"))
    services.click()
    page.keyboard.type(f"VIP desk {tag}")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.click("#slapol-save")
    page.wait_for_selector("#slaadmin-error")
    assert "is-invalid" in page.locator(field("f", "at_risk_share", "slapol")).get_attribute("class")
    page.fill(field("f", "at_risk_share", "slapol"), "20")
    page.click("#slapol-save")
    page.wait_for_selector("#slaadmin-saved")
    page.wait_for_selector("#slapol-unsaved.d-none", state="attached")
    with session_scope() as s:
        policy = s.scalar(select(SlaPolicy).where(SlaPolicy.name == f"VIP {tag}"))
        assert (policy.resolution_minutes, policy.at_risk_share, policy.position) == (1680, 0.2, last + 10)
        assert policy.conditions["service_ids"] == [s.scalar(select(Service.id).where(Service.name == service_name))]
    row = page.locator("#slapol-table tr", has_text=f"VIP {tag}")
    row.get_by_role("button", name="Изменить").click()
    expect(page.locator(field("f", "resolution__h", "slapol"))).to_have_value("4")
    assert page.locator(field("f", "resolution__d", "slapol")).input_value() == "1"
    assert page.locator(field("f", "at_risk_share", "slapol")).input_value() == "20"
    page.click("#slapol-new")  # just loaded, nothing changed: a new form at once
    expect(page.locator(field("f", "name", "slapol"))).to_have_value("")
    assert page.locator("#slapol-discard").is_hidden()
    assert not page.console_errors, page.console_errors
