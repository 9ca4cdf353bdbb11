"""An accounting agent sets up the monthly closing request: the next dates show as the schedule is typed,
a mistake is named next to its field, and the saved template lists its next date."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import delete

from data.config import company_tz
from data.db import session_scope
from data.intake import recurring
from data.models import RecurringRequest
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_rules_admin import field


def test_agent_sets_up_the_monthly_closing(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        agent = f.user(s, "agent", email=f"acc-{tag}@example.com")
        board = f.board(s, agents=[agent])
        service = f.service(s, board, name=f"Бухгалтерия {tag}")
        email, service_id = agent.email, service.id
        expected = recurring.preview(s, agent, {"kind": "monthly_workday", "n": 1, "at": "09:00"}, None,
                                     after=datetime.now(timezone.utc))
    login(page, live_server, email, f.PASSWORD)
    try:
        page.goto(f"{live_server}/recurring")
        page.fill(field("f", "name", "rec"), f"Закрытие месяца {tag}")
        page.select_option(field("f", "service", "rec"), str(service_id))
        page.fill(field("f", "title", "rec"), "Закрытие месяца {period}")
        page.fill(field("f", "requester_email", "rec"), "not-an-address")
        first = expected[0].astimezone(company_tz()).strftime("%d.%m.%Y 09:00")
        page.wait_for_selector(f"#rec-dates:has-text('{first}')")
        page.fill(field("f", "n", "rec"), "0")
        page.wait_for_selector("#rec-preview .text-danger")
        page.fill(field("f", "n", "rec"), "1")
        page.click("#rec-save")
        page.wait_for_selector("#slaadmin-error")
        assert "is-invalid" in page.locator(field("f", "requester_email", "rec")).get_attribute("class")
        page.fill(field("f", "requester_email", "rec"), f"accounting-{tag}@example.com")
        page.click("#rec-save")
        page.wait_for_selector("#slaadmin-saved")
        row = page.locator("#rec-table tr", has_text=f"Закрытие месяца {tag}")
        assert first in row.inner_text()
    finally:
        with session_scope() as s:
            s.execute(delete(RecurringRequest).where(RecurringRequest.name == f"Закрытие месяца {tag}"))
