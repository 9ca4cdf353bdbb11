"""On the card page each action does exactly its own change: redrawing the card replays nothing."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

from data.db import read_session, session_scope
from data.models import Priority
from data.tickets import actions as tickets
from data.tickets import checklists
from data.tickets import view as ticket_view
from tests import factories as f
from tests.e2e.conftest import login


@pytest.fixture
def priority(database_url):
    with session_scope() as s:
        pid = f.priority(s).id
    yield pid
    with session_scope() as s:  # other tests expect the priority list they made (e.g. the defaults)
        s.execute(delete(Priority).where(Priority.id == pid))


def test_each_action_on_the_card_happens_once(page, live_server, priority):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        agent = f.user(s, "agent", email=f"card-{tag}@example.com")
        t = tickets.create(s, agent, title=f"Card {tag}", board_id=f.board(s).id)
        checklists.add(s, agent, t.id, "Check the cable")
        number, ticket_id = t.number, t.id
    login(page, live_server, f"card-{tag}@example.com", f.PASSWORD)
    page.goto(f"{live_server}/ticket/{number}")
    page.select_option("#tk-priority", str(priority))
    page.wait_for_selector("#tk-msg.alert-success")
    page.check("#tk-checklist input")
    page.wait_for_selector("#tk-history [data-event=checklist] >> nth=1")
    page.fill("#tk-reply", f"Cable replaced {tag}")
    page.click("#tk-note")
    page.wait_for_selector("#tk-comments .okno-note-internal")
    page.click("#tk-block")  # no reason: refused, and the card is not redrawn
    page.wait_for_selector("#tk-msg.alert-danger")
    page.wait_for_load_state("networkidle")
    with read_session() as s:
        kinds = [e["kind"] for e in ticket_view.history(s, ticket_id)]
    assert kinds == ["comment", "checklist", "priority", "created", "checklist"]  # newest first
    assert page.locator("#tk-blocked").count() == 0
