"""An admin renames a service, opens /admin/audit, finds the change by its name with before → after,
and downloads the filtered set as CSV; a manager is refused the page."""
from __future__ import annotations

import uuid

from data.catalog import admin as catalog_admin
from data.db import session_scope
from tests import factories as f
from tests.e2e.conftest import login


def test_admin_finds_a_change_in_the_audit_log_and_downloads_it(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"audit-admin-{tag}@example.com", name=f"Админ {tag}")
        manager = f.user(s, "manager", email=f"audit-manager-{tag}@example.com")
        board = f.board(s)
        data = {"code": f"a{tag}", "name": f"Старое имя {tag}", "board_id": board.id}
        service = catalog_admin.save_service(s, admin, None, data)
        catalog_admin.save_service(s, admin, service.id, {**data, "name": f"Новое имя {tag}"})
        emails = admin.email, manager.email

    login(page, live_server, emails[1], f.PASSWORD)
    page.goto(f"{live_server}/admin/audit")
    page.wait_for_selector("#page-denied")
    page.goto(f"{live_server}/logout")

    login(page, live_server, emails[0], f.PASSWORD)
    page.goto(f"{live_server}/admin")
    page.click("a[href='/admin/audit']")
    page.wait_for_selector("#admin-audit-table")
    page.select_option("#admin-audit-action", "service.update")
    page.fill("#admin-audit-text", f"Новое имя {tag}")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#admin-audit-table tr.audit-row').length === 1")
    row = page.locator("#admin-audit-table tr.audit-row")
    assert f"Старое имя {tag}" in row.inner_text() and f"Новое имя {tag}" in row.inner_text()
    assert "code" not in row.locator(".audit-changes").inner_text()  # only the changed keys
    with page.expect_download() as download:
        page.click("#admin-audit-csv")
    body = open(download.value.path(), encoding="utf-8-sig").read()
    lines = body.strip().splitlines()
    assert len(lines) == 2 and "service.update" in lines[1] and f"Новое имя {tag}" in lines[1]
    assert not page.console_errors, page.console_errors
