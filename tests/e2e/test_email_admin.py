"""An admin configures a mailbox (errors shown next to the field) and retries an ingest failure."""
from __future__ import annotations

import uuid

from sqlalchemy import select, update

from data.db import read_session, session_scope
from data.models import InboundMessage, Mailbox
from tests import factories as f
from tests.e2e.conftest import login
from tests.email.helpers import mail


def test_admin_adds_a_mailbox_and_retries_a_failure(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"admin-{tag}@example.com")
        board = f.board(s, name=f"Mail {tag}")
        service = f.service(s, board, name=f"Почта {tag}")
        broken = Mailbox(name=f"old {tag}", kind="imap", address=f"old-{tag}@okno.test", host="127.0.0.1")
        s.add(broken)
        s.flush()
        row = InboundMessage(channel="email", source=f"mailbox:{broken.id}", external_id=f"<{tag}@example.com>",
                             raw=mail(message_id=f"<{tag}@example.com>", sender=f"r-{tag}@example.com"),
                             state="failed", error="ValueError: the mailbox has no service", attempts=1)
        s.add(row)
        s.flush()
        ids = dict(service=service.id, broken=broken.id, row=row.id, email=admin.email)
    login(page, live_server, ids["email"], f.PASSWORD)

    page.goto(f"{live_server}/admin/mailboxes")
    page.fill("#mbx-address", f"it-{tag}@corp.test")
    page.select_option("#mbx-kind", "ews")
    page.select_option("#mbx-service_id", str(ids["service"]))
    page.fill("#mbx-host", "mail.corp.test")
    page.fill("#mbx-password", "s3cret")
    page.click("#mbx-save")
    page.wait_for_selector("#mbx-failed")
    assert "полный адрес" in page.inner_text("#mbx-host-error")  # the admin reads Russian
    page.fill("#mbx-host", "https://mail.corp.test/EWS/Exchange.asmx")
    page.click("#mbx-save")
    page.wait_for_selector("#mbx-saved")
    assert f"it-{tag}@corp.test" in page.inner_text("#mbx-table")
    with read_session() as s:
        box = s.scalar(select(Mailbox).where(Mailbox.address == f"it-{tag}@corp.test"))
        assert box.kind == "ews" and box.secret.startswith("fernet:") and "s3cret" not in box.secret

    with session_scope() as s:  # the admin fixes the cause: the old mailbox gets a service
        s.get(Mailbox, ids["broken"]).service_id = ids["service"]
    page.goto(f"{live_server}/admin/ingest-failures")
    button_id = '{"id":%d,"type":"ingfail-retry"}' % ids["row"]  # Dash renders dict ids as sorted JSON
    page.locator(f"[id='{button_id}']").click()
    page.wait_for_selector("#ingfail-result")
    assert "processed" in page.inner_text("#ingfail-result")
    with read_session() as s:
        assert s.get(InboundMessage, ids["row"]).state == "processed"
    assert page.console_errors == []
    with session_scope() as s:  # workers started by other tests in this database must not poll these
        s.execute(update(Mailbox).where(Mailbox.address.in_([f"it-{tag}@corp.test", f"old-{tag}@okno.test"]))
                  .values(enabled=False))
