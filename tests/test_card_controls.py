"""The card's controls as services: status and Resolve (the board's own move), and whom a ticket may be given."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from data.boards import moves as board_moves
from data.errors import Conflict, PermissionDenied, ValidationError
from data.models import Outbox, TicketEvent, TicketSla
from data.tickets import actions as tickets
from data.tickets import assignees
from data.tickets import resolve
from tests import factories as f


def _effects(session, ticket_id):
    """What a move left behind: events, outbox rows and SLA clocks (without ids and times)."""
    events = session.execute(select(TicketEvent.kind, TicketEvent.from_status, TicketEvent.to_status)
                             .where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)).all()
    outbox = session.execute(select(Outbox.kind, Outbox.channel, Outbox.state)
                             .where(Outbox.ticket_id == ticket_id).order_by(Outbox.id)).all()
    clocks = session.execute(select(TicketSla.target, TicketSla.state).where(TicketSla.ticket_id == ticket_id)
                             .order_by(TicketSla.target, TicketSla.cycle)).all()
    return events, outbox, clocks


def test_resolve_does_what_a_drag_to_done_does(session):
    team = f.team(session)
    agent = f.user(session, "agent", team)
    board = f.board(session, team)
    service = f.service(session, board, code=f"c{uuid.uuid4().hex[:6]}")
    made = []
    for n in range(2):
        requester = f.requester(session, email=f"r{n}{uuid.uuid4().hex[:6]}@example.com")
        made.append(tickets.create(session, requester, title=f"Printer {n}", board_id=board.id, channel="portal",
                                   requester_id=requester.id, service_id=service.id))
    by_card, by_board = made
    resolve.resolve(session, agent, by_card.id, expected_version=by_card.version)
    board_moves.apply(session, agent, {"ticket": by_board.id, "version": by_board.version,
                                       "column": f.column(board, "done").id})
    assert by_card.status == "done" and by_card.resolved_at is not None
    assert by_card.column_id == by_board.column_id == f.column(board, "done").id
    assert _effects(session, by_card.id) == _effects(session, by_board.id)
    assert ("moved", "queue", "done") in _effects(session, by_card.id)[0]
    with pytest.raises(ValidationError):  # once is enough
        resolve.resolve(session, agent, by_card.id)


def test_status_select_moves_within_the_board_only_and_checks_the_version(session):
    team = f.team(session)
    agent, analyst = f.user(session, "agent", team), f.user(session, "analyst")
    board, other = f.board(session, team), f.board(session, team)
    t = tickets.create(session, agent, title="VPN", board_id=board.id)
    assert [c.name for c in resolve.columns(session, t)] == ["Queue", "In progress", "Waiting", "Done"]
    drawn = t.version
    resolve.set_column(session, agent, t.id, f.column(board, "in_progress").id, expected_version=drawn)
    assert t.status == "in_progress" and t.started_at is not None
    with pytest.raises(Conflict):  # the card was drawn before that move
        resolve.set_column(session, agent, t.id, f.column(board, "waiting").id, expected_version=drawn)
    with pytest.raises(ValidationError):  # another board's column is not a status of this card
        resolve.set_column(session, agent, t.id, f.column(other, "done").id)
    with pytest.raises(PermissionDenied):
        resolve.resolve(session, analyst, t.id)
    assert t.status == "in_progress"


def test_candidates_are_the_active_agents_and_leads_of_the_tickets_team(session):
    team, elsewhere = f.team(session), f.team(session)
    agent, member_lead = f.user(session, "agent", team), f.user(session, "manager", team)
    lead = f.user(session, "manager")  # leads the team without being a member
    team.lead_id = lead.id
    gone = f.user(session, "agent", team)
    gone.is_active = False
    admin, analyst = f.user(session, "admin", team), f.user(session, "analyst", team)
    stranger = f.user(session, "agent", elsewhere)
    board, shared = f.board(session, team), f.board(session)
    t = tickets.create(session, agent, title="Laptop", board_id=board.id)
    assert {u.id for u in assignees.candidates(session, t)} == {agent.id, member_lead.id, lead.id}
    on_shared = tickets.create(session, agent, title="Chair", board_id=shared.id)
    found = {u.id for u in assignees.candidates(session, on_shared)}
    assert {agent.id, stranger.id, lead.id} <= found and not {admin.id, analyst.id, gone.id} & found


def test_assigning_someone_who_does_not_work_the_ticket_is_refused(session):
    team = f.team(session)
    lead, agent = f.user(session, "manager", team), f.user(session, "agent", team)
    admin = f.user(session, "admin")
    board = f.board(session, team)
    t = tickets.create(session, lead, title="Mail", board_id=board.id, assignee_id=agent.id)
    with pytest.raises(ValidationError) as err:  # an admin may touch every ticket, but does not work them
        tickets.assign(session, lead, t.id, admin.id)
    assert "assignee" in err.value.fields and board.name in err.value.message("en")
    assert t.assignee_id == agent.id
    tickets.assign(session, lead, t.id, lead.id)  # a candidate is given the card
    assert t.assignee_id == lead.id
