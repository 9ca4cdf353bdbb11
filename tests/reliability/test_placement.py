"""Cards placed by many agents at once: a hard WIP limit holds, and positions never collide."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data import db
from data.boards import moves
from data.errors import LimitExceeded
from data.models import Ticket, TicketEvent
from data.tickets import actions as tickets
from data.tickets.escalation import escalate
from tests import factories
from tests.reliability.helpers import race

pytestmark = pytest.mark.usefixtures("database_url")


def _board(cards: int, wip: int | None = None, already_in_progress: int = 0):
    """A committed board with `cards` cards in the queue (and some in progress); returns ids."""
    with db.session_scope() as s:
        team = factories.team(s)
        agents = [factories.user(s, role="agent", team=team) for _ in range(10)]
        board = factories.board(s, team=team, wip=wip, wip_hard=wip is not None)
        queue, doing = factories.column(board, "queue"), factories.column(board, "in_progress")
        ids = [tickets.create(s, None, title=f"Card {n}", board_id=board.id).id for n in range(cards)]
        for ticket_id in ids[:already_in_progress]:
            tickets.move(s, None, ticket_id, doing.id)
        return {"agents": [a.id for a in agents], "queue": queue.id, "doing": doing.id, "board": board.id,
                "waiting": ids[already_in_progress:]}


def _column(column_id: int) -> list[tuple[int, float]]:
    """(id, position) of the column's cards as the board shows them: by position, then id."""
    with db.read_session() as s:
        return [tuple(r) for r in s.execute(select(Ticket.id, Ticket.position).where(Ticket.column_id == column_id)
                                            .order_by(Ticket.position, Ticket.id))]


def test_ten_agents_racing_for_the_last_free_slot_of_a_hard_limit_get_it_once():
    b = _board(14, wip=5, already_in_progress=4)

    def move(n, s):
        agent = s.get(factories.User, b["agents"][n])
        return tickets.move(s, agent, b["waiting"][n], b["doing"]).id

    outcomes = race(move)
    refused = [o for o in outcomes if isinstance(o, LimitExceeded)]
    moved = [o for o in outcomes if isinstance(o, int)]
    assert len(moved) == 1 and len(refused) == 9, outcomes
    assert len(_column(b["doing"])) == 5


def test_cards_moved_to_the_top_at_once_get_distinct_positions_in_the_order_they_were_moved():
    b = _board(10)

    def move(n, s):
        agent = s.get(factories.User, b["agents"][n])
        return tickets.move(s, agent, b["waiting"][n], b["doing"]).id

    outcomes = race(move)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    column = _column(b["doing"])
    assert len({position for _id, position in column}) == 10
    with db.read_session() as s:  # the last card moved is on top, the first at the bottom
        order = list(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "moved",
                                                                  TicketEvent.ticket_id.in_(b["waiting"]))
                               .order_by(TicketEvent.id.desc())))
    assert [ticket_id for ticket_id, _p in column] == order


def test_a_card_dropped_between_two_cards_with_equal_positions_lands_between_them(session):
    board = factories.board(session)
    doing = factories.column(board, "in_progress")
    upper, lower, dropped = (tickets.create(session, None, title=t, board_id=board.id) for t in "ABC")
    for card in (upper, lower):
        tickets.move(session, None, card.id, doing.id)
        card.position = 5.0  # e.g. left so by two top-of-column moves at once before this fix
    session.flush()
    agent = factories.user(session, role="manager")
    moves.apply(session, agent, {"ticket": dropped.id, "version": dropped.version, "column": doing.id,
                                 "after": upper.id, "before": lower.id})
    session.expire_all()
    shown = list(session.scalars(select(Ticket.title).where(Ticket.column_id == doing.id)
                                 .order_by(Ticket.position, Ticket.id)))
    assert shown == ["A", "C", "B"]


def test_dropping_into_a_gap_halved_until_it_is_gone_still_lands_in_place(session):
    board = factories.board(session)
    doing = factories.column(board, "in_progress")
    upper, lower = (tickets.create(session, None, title=t, board_id=board.id) for t in "AZ")
    tickets.move(session, None, upper.id, doing.id, position=1.0)
    tickets.move(session, None, lower.id, doing.id, position=2.0)
    agent = factories.user(session, role="manager")
    for n in range(60):  # each new card goes just below A: the gap halves each time
        card = tickets.create(session, None, title=f"M{n:02}", board_id=board.id)
        moves.apply(session, agent, {"ticket": card.id, "version": card.version, "column": doing.id,
                                     "after": upper.id, "before": lower.id if n == 0 else previous})
        previous = card.id
    session.expire_all()
    shown = list(session.scalars(select(Ticket.title).where(Ticket.column_id == doing.id)
                                 .order_by(Ticket.position, Ticket.id)))
    assert shown == ["A", *[f"M{n:02}" for n in reversed(range(60))], "Z"]


def test_an_escalated_card_lands_on_top_of_the_next_lines_queue(session):
    l1, l2 = factories.team(session, line_level=71), factories.team(session, line_level=72)
    agent = factories.user(session, "agent", team=l1)
    b1, b2 = factories.board(session, team=l1), factories.board(session, team=l2)
    waiting = [tickets.create(session, None, title=f"L2 {n}", board_id=b2.id) for n in range(3)]
    card = tickets.create(session, agent, title="Needs L2", board_id=b1.id, team_id=l1.id)
    escalate(session, agent, card.id)
    shown = list(session.scalars(select(Ticket.id).where(Ticket.column_id == factories.column(b2, "queue").id)
                                 .order_by(Ticket.position, Ticket.id)))
    assert shown == [card.id, *[t.id for t in reversed(waiting)]]
