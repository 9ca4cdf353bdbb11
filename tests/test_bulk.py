"""Bulk actions on the ticket list: each ticket through its own service, one refusal never undoes the others."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.errors import PermissionDenied, ValidationError
from data.models import Ticket, TicketEvent
from data.tickets import actions as tickets
from data.tickets import bulk
from tests import factories as f


@pytest.fixture
def desk(session):
    """Two teams, each with a board; the manager leads the first and may not touch the second's tickets."""
    mine, other = f.team(session), f.team(session)
    manager = f.user(session, "manager", mine)
    agent = f.user(session, "agent", mine)
    stranger = f.user(session, "manager", other)
    board, other_board = f.board(session, mine), f.board(session, other)
    own = [tickets.create(session, manager, title=f"Своя {i}", board_id=board.id) for i in range(3)]
    foreign = tickets.create(session, stranger, title="Чужая", board_id=other_board.id)
    return dict(manager=manager, agent=agent, own=own, foreign=foreign, board=board)


def _events(session, ticket_ids, kind):
    return session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids),
                                                     TicketEvent.kind == kind)).all()


def test_assign_does_the_permitted_tickets_and_reports_the_refused_one(session, desk):
    ids = [t.id for t in desk["own"]] + [desk["foreign"].id]
    outcome = bulk.run(session, desk["manager"], ids, "assign", desk["agent"].id)
    assert sorted(outcome.done) == sorted(t.number for t in desk["own"])
    assert [n for n, _err in outcome.refused] == [desk["foreign"].number]
    assert isinstance(outcome.refused[0][1], PermissionDenied)
    for t in desk["own"]:
        session.refresh(t)
        assert t.assignee_id == desk["agent"].id
    session.refresh(desk["foreign"])
    assert desk["foreign"].assignee_id is None
    events = _events(session, ids, "assigned")
    assert sorted(e.ticket_id for e in events) == sorted(t.id for t in desk["own"])
    assert all(e.actor_user_id == desk["manager"].id and e.to_user_id == desk["agent"].id for e in events)


def test_close_moves_each_ticket_to_done_on_its_own_board_and_records_moves(session, desk):
    outcome = bulk.run(session, desk["manager"], [t.id for t in desk["own"]], "close")
    assert len(outcome.done) == 3 and not outcome.refused
    for t in desk["own"]:
        session.refresh(t)
        assert t.status == "done" and t.resolved_at is not None
        assert t.column_id == f.column(desk["board"], "done").id
    moved = _events(session, [t.id for t in desk["own"]], "moved")
    assert {e.to_status for e in moved} == {"done"} and len(moved) == 3


def test_a_refusal_in_the_middle_keeps_the_tickets_before_and_after_it(session, desk):
    """Tickets run in id order, each in its own savepoint: the other team's ticket sits between two of the
    agent's, is refused, and both neighbours keep their change."""
    before = desk["own"][0]
    after = tickets.create(session, desk["manager"], title="Позже", board_id=desk["board"].id)
    assert before.id < desk["foreign"].id < after.id
    outcome = bulk.run(session, desk["agent"], [before.id, desk["foreign"].id, after.id], "assign", desk["agent"].id)
    assert outcome.done == [before.number, after.number]
    assert [n for n, _e in outcome.refused] == [desk["foreign"].number]
    session.expire_all()
    assert session.get(Ticket, before.id).assignee_id == desk["agent"].id
    assert session.get(Ticket, after.id).assignee_id == desk["agent"].id


def test_an_agent_giving_tickets_to_someone_else_is_refused_per_ticket(session, desk):
    outcome = bulk.run(session, desk["agent"], [t.id for t in desk["own"]], "assign", desk["manager"].id)
    assert not outcome.done and len(outcome.refused) == 3
    assert all(err.key == "errors.assign_lead_only" for _n, err in outcome.refused)


def test_tags_in_bulk_record_field_events(session, desk):
    ids = [t.id for t in desk["own"]]
    outcome = bulk.run(session, desk["manager"], ids, "add_tag", " VPN ")
    assert len(outcome.done) == 3
    assert all(session.get(Ticket, i).tags == ["vpn"] for i in ids)
    events = _events(session, ids, "field")
    assert len(events) == 3 and all(e.data["field"] == "tags" and e.to_value == "vpn" for e in events)
    bulk.run(session, desk["manager"], ids[:1], "remove_tag", "vpn")
    session.expire_all()
    assert session.get(Ticket, ids[0]).tags == [] and session.get(Ticket, ids[1]).tags == ["vpn"]


def test_more_than_500_tickets_are_refused_with_a_clear_error(session, desk):
    with pytest.raises(ValidationError) as err:
        bulk.run(session, desk["manager"], list(range(1, 502)), "close")
    assert "500" in err.value.message("ru") and "500" in err.value.message("en")


def test_a_reader_may_not_run_bulk_actions(session, desk):
    analyst = f.user(session, "analyst")
    with pytest.raises(PermissionDenied):
        bulk.run(session, analyst, [desk["own"][0].id], "close")


def test_unknown_action_and_bad_status_are_refused_before_any_ticket_changes(session, desk):
    with pytest.raises(ValidationError):
        bulk.run(session, desk["manager"], [desk["own"][0].id], "explode")
    with pytest.raises(ValidationError):
        bulk.run(session, desk["manager"], [desk["own"][0].id], "status", "nowhere")
    assert not _events(session, [desk["own"][0].id], "moved")
