"""The bell: a user's own notifications, counted, listed and marked read; never someone else's."""
from __future__ import annotations

import pytest

from data.errors import PermissionDenied
from data.messaging import inbox
from data.messaging.notify import notify_assignee
from data.tickets import actions as tickets
from tests import factories as f


def test_assignment_shows_in_the_bell_until_read(session):
    lead, agent, other = f.user(session, "manager"), f.user(session, "agent"), f.user(session, "agent")
    board = f.board(session)
    first = tickets.create(session, lead, title="Printer", board_id=board.id, assignee_id=agent.id)
    second = tickets.create(session, lead, title="VPN", board_id=board.id, assignee_id=agent.id)
    for t in (first, second):
        notify_assignee(session, t)
    assert inbox.unread_count(session, agent) == 2
    listed = inbox.latest(session, agent)
    assert [n["number"] for n in listed] == [second.number, first.number]
    assert all(not n["read"] and str(n["number"]) in n["text"] for n in listed)

    assert inbox.mark_read(session, other, listed[0]["id"]) == 0  # someone else's: untouched
    assert inbox.latest(session, other) == [] and inbox.unread_count(session, agent) == 2
    assert inbox.mark_read(session, agent, listed[0]["id"]) == 1
    assert inbox.unread_count(session, agent) == 1
    assert inbox.mark_ticket_read(session, agent, first.number) == 1
    assert inbox.unread_count(session, agent) == 0 and inbox.mark_all_read(session, agent) == 0


def test_mark_all_read_and_refusals(session):
    agent = f.user(session, "agent")
    board = f.board(session)
    for i in range(3):
        notify_assignee(session, tickets.create(session, agent, title=f"T{i}", board_id=board.id,
                                                assignee_id=agent.id))
    assert inbox.mark_all_read(session, agent) == 3 and inbox.unread_count(session, agent) == 0
    with pytest.raises(PermissionDenied):
        inbox.unread_count(session, None)
    agent.is_active = False
    with pytest.raises(PermissionDenied):
        inbox.latest(session, agent)
