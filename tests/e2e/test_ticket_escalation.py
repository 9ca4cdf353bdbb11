"""On the card page a lead sees the SLA block and escalates the card to the next support line."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from data.tickets import actions as tickets
from data.db import read_session, session_scope
from data.models import Board, Ticket
from tests import factories as f
from tests.e2e.conftest import login


def test_lead_escalates_from_the_card_page(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        l1, l2 = f.team(s, name=f"L1 {tag}", line_level=101), f.team(s, name=f"L2 {tag}", line_level=102)
        lead = f.user(s, "manager", l1, email=f"esc-lead-{tag}@example.com")
        l2.lead_id = lead.id  # leads both lines, so the card stays theirs to see after it moves to L2
        first, second = f.board(s, l1, name=f"Первая {tag}"), f.board(s, l2, name=f"Вторая {tag}")
        t = tickets.create(s, lead, title=f"VPN {tag}", board_id=first.id, team_id=l1.id)
        number, second_id = t.number, second.id
    login(page, live_server, f"esc-lead-{tag}@example.com", f.PASSWORD)
    page.goto(f"{live_server}/ticket/{number}")
    page.wait_for_selector("#sla-clocks")
    page.click("#tk-escalate")
    page.wait_for_selector(f"#tk-msg:has-text('Вторая {tag}')")
    with read_session() as s:
        moved = s.scalar(select(Ticket).where(Ticket.number == number))
        assert moved.board_id == second_id and moved.team_id == s.get(Board, second_id).team_id
    assert "escalated" in page.inner_text("#tk-history") or "эскалирована" in page.inner_text("#tk-history")
