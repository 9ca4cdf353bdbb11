"""An admin finds spam and a blocked sender's mail in quarantine, reads the reason in Russian, views the
original, releases one as a ticket, deletes the other and blocks a domain; the ingest log says why an
auto-reply made no ticket."""
from __future__ import annotations

import uuid

from sqlalchemy import select, update

from data.db import read_session, session_scope
from data.models import BlockedSender, InboundMessage, Mailbox, Ticket
from ingest.email.inbound import source_of
from ingest.email.receive import receive
from tests import factories as f
from tests.e2e.conftest import login
from tests.email.helpers import mail


def _button(kind: str, row_id: int) -> str:
    return "[id='{\"id\":%d,\"type\":\"quar-%s\"}']" % (row_id, kind)  # Dash renders dict ids as sorted JSON


def test_admin_works_the_quarantine_and_reads_the_ingest_log(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"admin-q-{tag}@example.com")
        board = f.board(s, name=f"Quarantine {tag}")
        service = f.service(s, board, name=f"Почта {tag}")
        box = Mailbox(name=f"q {tag}", kind="imap", address=f"q-{tag}@okno.test", host="127.0.0.1",
                      service_id=service.id, enabled=False)
        s.add(box)
        s.flush()
        spam = receive(s, source_of(box), mail(sender=f"promo-{tag}@shop.example", subject=f"Вы выиграли {tag}",
                                                headers={"X-Spam-Flag": "YES"}, body="Заберите приз"))
        real = receive(s, source_of(box), mail(sender=f"boss-{tag}@corp.example", subject=f"Нужен пропуск {tag}",
                                               headers={"X-Spam-Score": "6.1"}, body="Оформите пропуск гостю"))
        away = receive(s, source_of(box), mail(sender=f"away-{tag}@corp.example", subject=f"Автоответ: {tag}"))
        ids = dict(spam=spam.inbound_id, real=real.inbound_id, away=away.inbound_id, email=admin.email, box=box.id)
    login(page, live_server, ids["email"], f.PASSWORD)

    page.goto(f"{live_server}/admin/quarantine")
    page.wait_for_selector("#quar-table")
    spam_row = page.inner_text(f"#quar-row-{ids['spam']}")
    assert "Похоже на спам (X-Spam-Flag: YES)" in spam_row
    assert "Похоже на спам (X-Spam-Score: 6.1)" in page.inner_text(f"#quar-row-{ids['real']}")
    page.locator(_button("view", ids["spam"])).click()
    page.wait_for_selector("#quar-raw")
    assert "Заберите приз" in page.inner_text("#quar-raw") and "X-Spam-Flag: YES" in page.inner_text("#quar-raw")
    page.keyboard.press("Escape")
    page.wait_for_selector("#quar-modal", state="hidden")

    page.locator(_button("release", ids["real"])).click()
    page.wait_for_selector("#quar-result")
    with read_session() as s:
        number = s.scalar(select(Ticket.number).where(Ticket.title == f"Нужен пропуск {tag}"))
    assert number and f"заявка #{number}" in page.inner_text("#quar-result")
    page.locator(_button("delete", ids["spam"])).click()
    page.wait_for_selector(f"#quar-row-{ids['spam']}", state="detached")
    with read_session() as s:
        assert s.get(InboundMessage, ids["spam"]).state == "skipped"

    page.fill("#quar-pattern", f"@shop-{tag}.example")
    page.fill("#quar-note", "реклама")
    page.click("#quar-block")
    page.wait_for_selector("#quar-block-result")
    assert f"@shop-{tag}.example" in page.inner_text("#quar-blocked-list")
    page.fill("#quar-pattern", "не адрес")
    page.click("#quar-block")
    page.wait_for_function("document.querySelector('#quar-block-result').classList.contains('alert-danger')")
    assert "@example.com" in page.inner_text("#quar-block-result")

    page.goto(f"{live_server}/admin/ingest-failures")
    page.wait_for_selector("#ingfail-log")
    log = page.inner_text("#ingfail-log")
    assert f"Автоответ (Subject: Автоответ: {tag})" in log and "пропущено" in log
    assert f"#{number}" in log
    # The "auto-reply" was a person after all: the admin makes a ticket of it from the log.
    page.locator("[id='{\"id\":%d,\"type\":\"ingfail-release\"}']" % ids["away"]).click()
    page.wait_for_selector("#ingfail-release-result")
    with read_session() as s:
        assert s.get(InboundMessage, ids["away"]).state == "processed"
    assert page.console_errors == []
    with session_scope() as s:
        s.execute(update(Mailbox).where(Mailbox.id == ids["box"]).values(enabled=False))
        s.query(BlockedSender).filter(BlockedSender.pattern == f"@shop-{tag}.example").delete()
