"""An admin builds a rule on ratings at /admin/rules ("rated", at most 3 → notify the team lead) and sees the
default low-rating rule in the list; the form reads the saved rule back."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from data.db import session_scope
from data.models import Rule
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_rules_admin import field


def test_admin_builds_a_rule_on_ratings(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"admin-rated-{tag}@example.com")
    login(page, live_server, admin.email, f.PASSWORD)
    page.goto(f"{live_server}/admin/rules")
    page.locator("#rules-table tr", has_text="Низкая оценка → руководителю команды").wait_for()
    page.fill(field("f", "name"), f"Оценка до 3 {tag}")
    page.select_option(field("f", "trigger"), "rated")
    page.fill(field("f", "opt_max_score"), "3")
    page.select_option(field("f", "notify_team_lead"), "1")
    page.click("#rules-save")
    page.wait_for_selector("#slaadmin-saved")
    row = page.locator("#rules-table tr", has_text=f"Оценка до 3 {tag}")
    assert "Заявитель оценил решение" in row.inner_text()
    with session_scope() as s:
        rule = s.scalar(select(Rule).where(Rule.name == f"Оценка до 3 {tag}"))
        assert (rule.trigger, rule.trigger_options, rule.actions) == ("rated", {"max_score": 3},
                                                                      [{"type": "notify_team_lead"}])
        s.delete(rule)
    assert not page.console_errors, page.console_errors
