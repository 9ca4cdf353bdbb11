"""An agent's journey on the card: reply to the requester with a file, resolve the ticket; the SLA block shows
one labelled working-time clock per target."""
from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from data.db import read_session, session_scope
from data.models import Attachment, Outbox, SlaPolicy, Ticket
from data.tickets import actions as tickets
from tests import factories as f
from tests.e2e.conftest import login


def test_agent_replies_with_a_file_and_resolves(page, live_server, tmp_path):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        agent = f.user(s, "agent", team, email=f"card-rr-{tag}@example.com")
        board = f.board(s, team)
        service = f.service(s, board, code=f"rr{tag}")
        policy = SlaPolicy(name=f"Card {tag}", position=-1, first_response_minutes=60, resolution_minutes=8 * 60,
                           conditions={"service_ids": [service.id], "priority_ids": []})
        s.add(policy)
        s.flush()
        requester = f.requester(s, email=f"req-{tag}@example.com")
        t = tickets.create(s, requester, title=f"Scanner {tag}", board_id=board.id, channel="portal",
                           requester_id=requester.id, service_id=service.id)
        number, ticket_id, policy_id = t.number, t.id, policy.id
    try:
        login(page, live_server, f"card-rr-{tag}@example.com", f.PASSWORD)
        page.goto(f"{live_server}/ticket/{number}")
        # One clock per target, in working time and saying so; no second, calendar countdown beside it.
        page.wait_for_selector("#sla-clocks .okno-sla-clock >> nth=1")
        clocks = page.locator("#sla-clocks .okno-sla-clock")
        assert clocks.count() == 2
        assert "рабочего времени" in clocks.nth(1).inner_text() and clocks.nth(1).inner_text().startswith("Решение")
        assert page.locator(".okno-sla-countdown").count() == 0

        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4 scanned")
        page.set_input_files("#tk-reply-files input[type=file]", str(scan))
        page.wait_for_selector("#tk-reply-file-names:has-text('scan.pdf')")
        page.fill("#tk-reply", f"Драйвер во вложении {tag}")
        page.click("#tk-send")
        page.wait_for_selector(f"#tk-comments .okno-comment:has-text('{tag}') .okno-comment-file:has-text('scan.pdf')")
        assert page.input_value("#tk-reply") == ""

        page.click("#tk-resolve")
        page.wait_for_selector(f"#tk-msg:has-text('#{number}')")
        assert "alert-success" in page.get_attribute("#tk-msg", "class"), page.inner_text("#tk-msg")
        page.wait_for_selector("#tk-status-control[data-status=done]")
        assert page.locator("#tk-resolve").is_hidden()
        with read_session() as s:
            t = s.get(Ticket, ticket_id)
            assert t.status == "done" and t.resolved_at is not None
            reply = s.scalar(select(Outbox).where(Outbox.ticket_id == ticket_id, Outbox.kind == "reply"))
            assert [a["filename"] for a in reply.payload["attachments"]] == ["scan.pdf"]
            assert s.scalar(select(Attachment.size).where(Attachment.ticket_id == ticket_id)) == 16
        assert not page.console_errors, page.console_errors
    finally:
        with session_scope() as s:  # later tests pick policies by position
            s.execute(delete(SlaPolicy).where(SlaPolicy.id == policy_id))
