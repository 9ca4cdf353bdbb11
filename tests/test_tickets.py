"""Service tests for create, move, assign, comment against real PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.tickets import actions as tickets
from data.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from data.models import Board, Comment, Outbox, TicketEvent
from tests import factories as f


@pytest.fixture
def setup(session):
    team = f.team(session)
    lead = f.user(session, "manager", team)
    alice = f.user(session, "agent", team, name="Alice")
    bob = f.user(session, "agent", team, name="Bob")
    board = f.board(session, team, agents=[alice, bob])
    req = f.requester(session, email="ivan@corp.example")
    return dict(team=team, lead=lead, alice=alice, bob=bob, board=board, req=req)


def events(session, ticket):
    return session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                           .order_by(TicketEvent.id)).all()


def test_create_puts_card_in_first_column_with_event(session, setup):
    t = tickets.create(session, setup["alice"], title="  Printer broken ", board_id=setup["board"].id,
                       requester_id=setup["req"].id, channel="portal")
    assert t.number >= 1001 and t.title == "Printer broken"
    assert t.column_id == f.column(setup["board"], "queue").id and t.status == "queue"
    assert [e.kind for e in events(session, t)] == ["created"]


def test_create_requires_title(session, setup):
    with pytest.raises(ValidationError) as err:
        tickets.create(session, setup["alice"], title="  ", board_id=setup["board"].id)
    assert err.value.fields == {"title": "required"}


def test_move_into_agent_lane_assigns_and_records_history(session, setup):
    board, alice, lead = setup["board"], setup["alice"], setup["lead"]
    t = tickets.create(session, lead, title="No internet", board_id=board.id)
    moved = tickets.move(session, lead, t.id, f.column(board, "in_progress").id, f.lane_of(board, alice).id,
                         expected_version=t.version)
    assert moved.assignee_id == alice.id and moved.status == "in_progress" and moved.started_at is not None
    kinds = [(e.kind, e.to_status, e.to_user_id) for e in events(session, t)]
    assert kinds[1:] == [("moved", "in_progress", None), ("assigned", None, alice.id)]


def test_stale_version_is_refused_and_names_who_changed_it(session, setup):
    board, alice, bob = setup["board"], setup["alice"], setup["bob"]
    t = tickets.create(session, alice, title="VPN", board_id=board.id)
    v = t.version
    tickets.move(session, alice, t.id, f.column(board, "in_progress").id, f.lane_of(board, alice).id, v)
    with pytest.raises(Conflict) as err:
        tickets.move(session, bob, t.id, f.column(board, "done").id, None, v)
    assert "Alice" in str(err.value)
    assert session.get(type(t), t.id).status == "in_progress"


def test_agent_cannot_push_card_into_colleagues_lane(session, setup):
    board, alice, bob = setup["board"], setup["alice"], setup["bob"]
    t = tickets.create(session, alice, title="Access", board_id=board.id)
    with pytest.raises(PermissionDenied):
        tickets.move(session, alice, t.id, f.column(board, "in_progress").id, f.lane_of(board, bob).id)


def test_board_of_another_team_is_refused(session, setup):
    other_board = f.board(session, f.team(session))
    t = tickets.create(session, setup["lead"], title="x", board_id=other_board.id)
    with pytest.raises(PermissionDenied):
        tickets.move(session, setup["alice"], t.id, f.column(other_board, "done").id)


def test_readers_cannot_change_tickets(session, setup):
    director = f.user(session, "director")
    with pytest.raises(PermissionDenied):
        tickets.create(session, director, title="x", board_id=setup["board"].id)


def test_hard_wip_limit_refuses_move(session):
    team = f.team(session)
    lead = f.user(session, "manager", team)
    board = f.board(session, team, wip=1, wip_hard=True)
    a = tickets.create(session, lead, title="a", board_id=board.id)
    b = tickets.create(session, lead, title="b", board_id=board.id)
    tickets.move(session, lead, a.id, f.column(board, "in_progress").id)
    with pytest.raises(LimitExceeded):
        tickets.move(session, lead, b.id, f.column(board, "in_progress").id)


def test_done_then_back_counts_a_reopen(session, setup):
    board, lead = setup["board"], setup["lead"]
    t = tickets.create(session, lead, title="x", board_id=board.id)
    tickets.move(session, lead, t.id, f.column(board, "done").id)
    assert t.resolved_at is not None
    tickets.move(session, lead, t.id, f.column(board, "in_progress").id)
    assert t.reopened_count == 1 and t.status == "in_progress"


def test_move_bumps_board_revision(session, setup):
    board, lead = setup["board"], setup["lead"]
    t = tickets.create(session, lead, title="x", board_id=board.id)
    before = session.scalar(select(Board.revision).where(Board.id == board.id))
    tickets.move(session, lead, t.id, f.column(board, "in_progress").id)
    assert session.scalar(select(Board.revision).where(Board.id == board.id)) == before + 1


def test_public_reply_sets_first_response_and_queues_email(session, setup):
    t = tickets.create(session, setup["alice"], title="x", board_id=setup["board"].id,
                       requester_id=setup["req"].id, channel="email")
    tickets.comment(session, setup["alice"], t.id, "internal", public=False)
    assert t.first_response_at is None
    c = tickets.comment(session, setup["alice"], t.id, "We are on it")
    assert t.first_response_at == c.created_at and c.delivery_state == "queued"
    out = session.scalars(select(Outbox).where(Outbox.comment_id == c.id)).one()
    assert (out.channel, out.recipient) == ("email", "ivan@corp.example")
    assert f"[#{t.number}]" in out.subject


def test_requester_sees_only_own_tickets(session, setup):
    other = f.requester(session, email="other@corp.example")
    t = tickets.create(session, setup["alice"], title="x", board_id=setup["board"].id, requester_id=setup["req"].id)
    assert tickets.get(session, setup["req"], t.id).id == t.id
    with pytest.raises(NotFound):
        tickets.get(session, other, t.id)
    with pytest.raises(NotFound):
        tickets.comment(session, other, t.id, "hi")


def test_requester_cannot_write_internal_note(session, setup):
    t = tickets.create(session, setup["alice"], title="x", board_id=setup["board"].id, requester_id=setup["req"].id)
    with pytest.raises(PermissionDenied):
        tickets.comment(session, setup["req"], t.id, "psst", public=False)
    assert session.scalars(select(Comment).where(Comment.ticket_id == t.id)).all() == []
