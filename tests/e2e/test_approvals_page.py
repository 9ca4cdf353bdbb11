"""A director finds the holiday request waiting for them on /approvals, rejects it with a reason, and the
card shows the decision; the requester's portal page says it was rejected and why."""
from __future__ import annotations

import uuid

from data.approvals import config as approval_config
from data.db import session_scope
from data.intake import requesters
from data.intake import submit as intake
from tests import factories as f
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import serious
from tests.portal_factories import request_type


def test_director_rejects_a_request_on_the_approvals_page(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        director = f.user(s, "director", name=f"Директор {tag}", email=f"dir-{tag}@example.com")
        board = f.board(s, f.team(s))
        service = f.service(s, board, name=f"HR {tag}")
        rt = request_type(s, service, fields=[], name="Отпуск")
        approval_config.save(s, f.user(s, "admin"), rt.id,
                             {"steps": [{"kind": "person", "ref": director.id, "mode": "any"}]})
        req = requesters.find_or_create_by_email(s, f"anna-{tag}@example.com", "Анна")
        t = intake.submit(s, req, service_id=service.id, request_type_id=rt.id, title=f"Отпуск {tag}",
                          description="С 1 по 14 июля", channel="portal")
        number, email = t.number, director.email
    login(page, live_server, email, f.PASSWORD)
    page.click("#nav-approvals")
    item = page.locator(f".okno-approval[data-number='{number}']")
    item.wait_for()
    assert f"Отпуск {tag}" in item.inner_text() and "С 1 по 14 июля" in item.inner_text()
    found = serious(page)
    assert not found, "\n".join(found)
    item.locator("textarea").fill("В июле аудит, перенесите на август")
    item.get_by_role("button", name="Отклонить").click()
    page.wait_for_selector("#appr-done")
    assert f"Заявка #{number} отклонена" in page.inner_text("#appr-done")
    assert page.locator(f".okno-approval[data-number='{number}']").count() == 0

    page.goto(f"{live_server}/ticket/{number}")
    page.wait_for_selector("#tk-approval")
    assert page.inner_text("#tk-approval-state") == "Отклонено"
    section = page.inner_text("#tk-approval")
    assert f"Директор {tag}" in section and "отклонено" in section and "перенесите на август" in section
    assert "Согласование: отклонено" in page.inner_text("#tk-history")
    found = serious(page)
    assert not found, "\n".join(found)
    assert not [e for e in page.console_errors if "favicon" not in e]
