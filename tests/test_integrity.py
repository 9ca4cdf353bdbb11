"""What the schema guarantees (migration integrity_0001), whatever code writes: each rule refuses a bad row
written with plain SQL, and the service in front of it refuses the same with a message a person can act on.
A column's new kind reaches its cards' status, with a `moved` event per card."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from data.boards import setup as boards
from data.errors import ValidationError
from data.models import TicketEvent
from data.tickets import actions as tickets
from tests import factories as f


@pytest.fixture
def w(session):
    team, other = f.team(session), f.team(session)
    alice = f.user(session, "agent", team, name="Alice")
    lead = f.user(session, "manager", team, name="Lead")
    outsider = f.user(session, "agent", other, name="Olga Outsider")
    analyst = f.user(session, "analyst", team, name="Anna Analyst")
    admin = f.user(session, "admin", name="Admin")
    board = f.board(session, team, agents=[alice], name="IT board")
    foreign = f.board(session, other, agents=[outsider], name="HR board")
    card = tickets.create(session, alice, title="Printer", board_id=board.id)
    return SimpleNamespace(team=team, other=other, alice=alice, lead=lead, outsider=outsider, analyst=analyst,
                           admin=admin, board=board, foreign=foreign, card=card)


def refused(session, sql: str, **params) -> str:
    """The database's refusal of one statement (in a savepoint, so the test goes on)."""
    with pytest.raises(DBAPIError) as err:
        with session.begin_nested():
            session.execute(text(sql), params)
    return f"{err.value.orig.diag.constraint_name}: {err.value.orig}"


def test_a_card_cannot_be_in_a_column_of_another_board(session, w):
    foreign_queue = f.column(w.foreign, "queue").id
    assert "fk_tickets_column_on_board_with_status" in refused(
        session, "UPDATE tickets SET column_id = :c WHERE id = :t", c=foreign_queue, t=w.card.id)
    assert "fk_tickets_column_on_board_with_status" in refused(
        session, "INSERT INTO tickets (title, board_id, column_id, status, channel) VALUES ('x', :b, :c, 'queue', 'agent')",
        b=w.board.id, c=foreign_queue)


def test_a_card_cannot_be_in_a_lane_of_another_board(session, w):
    assert "fk_tickets_lane_on_board" in refused(session, "UPDATE tickets SET lane_id = :l WHERE id = :t",
                                                 l=w.foreign.lanes[0].id, t=w.card.id)
    with pytest.raises(ValidationError) as err:  # the service says which field
        tickets.move(session, w.admin, w.card.id, f.column(w.board, "queue").id, w.foreign.lanes[0].id)
    assert err.value.fields == {"lane": "invalid"}


def test_deleting_a_lane_takes_its_cards_out_of_it_and_keeps_them_on_the_board(session, w):
    lane = w.board.lanes[0]
    session.execute(text("UPDATE tickets SET lane_id = :l WHERE id = :t"), {"l": lane.id, "t": w.card.id})
    session.execute(text("DELETE FROM lanes WHERE id = :l"), {"l": lane.id})
    row = session.execute(text("SELECT lane_id, board_id FROM tickets WHERE id = :t"), {"t": w.card.id}).one()
    assert (row.lane_id, row.board_id) == (None, w.board.id)


def test_a_status_other_than_the_columns_kind_is_refused(session, w):
    assert "fk_tickets_column_on_board_with_status" in refused(
        session, "UPDATE tickets SET status = 'done' WHERE id = :t", t=w.card.id)


def test_a_column_kind_changed_in_sql_reaches_its_cards(session, w):
    session.execute(text("UPDATE board_columns SET kind = 'waiting' WHERE id = :c"), {"c": w.card.column_id})
    assert session.scalar(text("SELECT status FROM tickets WHERE id = :t"), {"t": w.card.id}) == "waiting"


def test_changing_a_columns_kind_moves_its_cards_status_with_an_event_each(session, w):
    column = f.column(w.board, "in_progress")
    cards = [tickets.move(session, w.alice, tickets.create(session, w.alice, title=f"Card {i}", board_id=w.board.id).id,
                          column.id) for i in range(3)]
    versions = {c.id: c.version for c in cards}

    boards.save_column(session, w.lead, w.board.id, column_id=column.id, name="Shipped", kind="done")

    for card in cards:
        session.refresh(card)
        assert card.status == "done" and card.resolved_at is not None and card.version == versions[card.id] + 1
        last = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == card.id)
                               .order_by(TicketEvent.id.desc()).limit(1)).one()
        assert (last.kind, last.from_status, last.to_status, last.from_column_id, last.to_column_id, last.actor_user_id) \
            == ("moved", "in_progress", "done", column.id, column.id, w.lead.id)
    assert w.card.status == "queue"  # another column's card is untouched
    # Back to in progress: the cards are reopened, as a move out of done would.
    boards.save_column(session, w.lead, w.board.id, column_id=column.id, name="Doing", kind="in_progress")
    for card in cards:
        session.refresh(card)
        assert (card.status, card.reopened_count) == ("in_progress", 1)


def test_a_parent_cycle_is_refused(session, w):
    a, b, c = (tickets.create(session, w.alice, title=t, board_id=w.board.id) for t in "abc")
    session.execute(text("UPDATE tickets SET parent_id = :p WHERE id = :t"), {"p": a.id, "t": b.id})
    session.execute(text("UPDATE tickets SET parent_id = :p WHERE id = :t"), {"p": b.id, "t": c.id})
    assert "tickets_parent_acyclic" in refused(session, "UPDATE tickets SET parent_id = :p WHERE id = :t",
                                               p=c.id, t=a.id)
    assert "parent" in refused(session, "UPDATE tickets SET parent_id = id WHERE id = :t", t=a.id)
    session.execute(text("UPDATE tickets SET parent_id = :p WHERE id = :t"), {"p": w.card.id, "t": a.id})  # no cycle


@pytest.mark.parametrize("who", ["analyst", "outsider"])
def test_an_assignee_outside_the_boards_teams_is_refused(session, w, who):
    user = getattr(w, who)
    assert "tickets_assignee_on_team" in refused(session, "UPDATE tickets SET assignee_id = :u WHERE id = :t",
                                                 u=user.id, t=w.card.id)
    assert "tickets_assignee_on_team" in refused(
        session, "INSERT INTO tickets (title, board_id, column_id, status, channel, assignee_id) "
                 "VALUES ('x', :b, :c, 'queue', 'agent', :u)", b=w.board.id, c=w.card.column_id, u=user.id)
    with pytest.raises(ValidationError) as err:
        tickets.assign(session, w.lead, w.card.id, user.id)
    assert err.value.fields == {"assignee": "Not an agent of this board's team"}
    assert str(err.value) == (f"{user.name} cannot be the assignee of cards on the board “IT board”: "
                              "only agents and managers of its team can.")
    assert err.value.message("ru").startswith(f"{user.name} не может быть исполнителем карточек на доске «IT board»")
    with pytest.raises(ValidationError):
        tickets.create(session, w.lead, title="x", board_id=w.board.id, assignee_id=user.id)


def test_agents_managers_and_admins_may_be_assignees(session, w):
    for user in (w.alice, w.lead):
        tickets.assign(session, w.lead, w.card.id, user.id)
        assert session.scalar(text("SELECT assignee_id FROM tickets WHERE id = :t"), {"t": w.card.id}) == user.id
    # The database lets an admin hold a card (whoever may change it may be given it); the card's assignee list
    # and tickets.assign offer only the people who work the ticket (data/tickets/assignees.py).
    with pytest.raises(ValidationError):
        tickets.assign(session, w.lead, w.card.id, w.admin.id)
    session.execute(text("UPDATE tickets SET assignee_id = :u WHERE id = :t"), {"u": w.admin.id, "t": w.card.id})
    assert session.scalar(text("SELECT assignee_id FROM tickets WHERE id = :t"), {"t": w.card.id}) == w.admin.id


def test_routing_to_someone_outside_the_team_leaves_a_request_unassigned_not_lost(session, w):
    requester = f.requester(session, email="ivan@corp.example")
    card = tickets.create(session, requester, title="From the portal", board_id=w.board.id, channel="portal",
                          requester_id=requester.id, assignee_id=w.outsider.id)
    assert card.id is not None and card.assignee_id is None


def test_a_lane_for_someone_outside_the_team_is_refused(session, w):
    with pytest.raises(ValidationError) as err:
        boards.save_lane(session, w.lead, w.board.id, name="Olga", user_id=w.outsider.id)
    assert err.value.fields == {"agent": "Not an agent of this board's team"}


def test_moving_a_card_to_another_teams_board_unassigns_it(session, w):
    tickets.assign(session, w.lead, w.card.id, w.alice.id)
    tickets.move(session, w.admin, w.card.id, f.column(w.foreign, "queue").id)
    assert w.card.assignee_id is None and w.card.board_id == w.foreign.id
    last = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == w.card.id)
                           .order_by(TicketEvent.id.desc()).limit(1)).one()
    assert (last.kind, last.from_user_id, last.to_user_id) == ("assigned", w.alice.id, None)


@pytest.mark.parametrize("sql, constraint", [
    ("UPDATE tickets SET description = repeat('x', 1000001) WHERE id = :t", "ck_tickets_description_size"),
    ("UPDATE tickets SET blocked_reason = repeat('x', 1000001) WHERE id = :t", "ck_tickets_blocked_reason_size"),
    ("UPDATE tickets SET position = 'NaN' WHERE id = :t", "ck_tickets_position_finite"),
    ("UPDATE tickets SET position = 'Infinity' WHERE id = :t", "ck_tickets_position_finite"),
    ("UPDATE tickets SET reopened_count = -1 WHERE id = :t", "ck_tickets_counters"),
    ("INSERT INTO comments (ticket_id, is_public, is_system, body) VALUES (:t, false, true, repeat('x', 1000001))",
     "ck_comments_body_size"),
    ("INSERT INTO checklist_items (ticket_id, text, position) VALUES (:t, repeat('x', 4001), 0)",
     "ck_checklist_items_text_size"),
    ("INSERT INTO checklist_items (ticket_id, text, position) VALUES (:t, 'x', -1)",
     "ck_checklist_items_position_not_negative"),
])
def test_sizes_and_ranges_of_a_ticket_are_checked(session, w, sql, constraint):
    assert constraint in refused(session, sql, t=w.card.id)


def test_a_title_longer_than_the_schema_allows_is_refused(session, w):
    assert "character varying(1000)" in refused(session, "UPDATE tickets SET title = repeat('x', 1001) WHERE id = :t",
                                                t=w.card.id)


@pytest.mark.parametrize("sql, constraint", [
    ("UPDATE lanes SET wip_limit = 0 WHERE board_id = :b", "ck_lanes_wip_positive"),
    ("UPDATE board_columns SET wip_limit = -1 WHERE board_id = :b", "ck_board_columns_wip_positive"),
    ("UPDATE board_columns SET time_limit_minutes = 0 WHERE board_id = :b", "ck_board_columns_time_limit_positive"),
    ("UPDATE teams SET line_level = 0 WHERE id = (SELECT team_id FROM boards WHERE id = :b)", "ck_teams_line_level"),
    ("UPDATE teams SET lead_id = 2147483647 WHERE id = (SELECT team_id FROM boards WHERE id = :b)",
     "fk_teams_lead_id_users"),
])
def test_board_and_team_settings_are_checked(session, w, sql, constraint):
    assert constraint in refused(session, sql, b=w.board.id)
