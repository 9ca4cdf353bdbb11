"""The board for managers, on real PostgreSQL: each agent's load against the team's median (the overloaded
rule, what the SQL counts), the board's SLA filters and due order, and where a manager lands on /board."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from data.boards import load as board_load
from data.boards import setup as boards
from data.boards import view as board_view
from data.errors import PermissionDenied
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter, local_midnight, today
from tests import factories as f


def _give(session, lead, board, agent, n, **kw):
    return [tickets.create(session, lead, title=f"{agent.name if agent else '—'} {i}", board_id=board.id,
                           assignee_id=agent.id if agent else None, **kw) for i in range(n)]


def _loads(session, user, board):
    return {a.name: (a.open_tickets, a.median, a.overloaded) for a in board_load.board_load(session, user, board)}


def test_load_against_the_team_median_counts_open_tickets_of_this_board_only(session):
    team = f.team(session)
    lead = f.user(session, "manager", team, name="Марина Лид")
    names = ["Иванов", "Петров", "Сидоров", "Козлов", "Зайцев"]
    people = {n: f.user(session, "agent", team, name=n) for n in names}
    board, other = f.board(session, team), f.board(session, team)
    for name, n in zip(names, (12, 6, 6, 5, 7)):
        _give(session, lead, board, people[name], n)
    # Not counted: a closed ticket, a ticket on another board, an unassigned one.
    done = _give(session, lead, board, people["Петров"], 3)
    for t in done:
        tickets.move(session, lead, t.id, f.column(board, "done").id)
    _give(session, lead, other, people["Козлов"], 9)
    _give(session, lead, board, None, 4)
    gone = f.user(session, "agent", team, name="Уволен")
    gone.is_active = False
    session.flush()

    loads = _loads(session, lead, board)
    # The lead counts too (0 open): the median of 12, 7, 6, 6, 5, 0 is 6.
    assert loads == {"Иванов": (12, 6.0, True), "Зайцев": (7, 6.0, False), "Петров": (6, 6.0, False),
                     "Сидоров": (6, 6.0, False), "Козлов": (5, 6.0, False), "Марина Лид": (0, 6.0, False)}
    assert [a.name for a in board_load.board_load(session, lead, board)][0] == "Иванов"  # busiest first


def test_overloaded_needs_both_three_over_and_half_again_the_median(session):
    team = f.team(session)
    lead = f.user(session, "manager", team, name="Лид")
    board = f.board(session, team)
    # A large median: 13 is 3 over 10 but not 1.5 × 10; 15 is both.
    big = {n: f.user(session, "agent", team, name=n) for n in ("A", "B", "C", "D")}
    for name, n in zip(big, (10, 10, 13, 15)):
        _give(session, lead, board, big[name], n)
    loads = _loads(session, lead, board)
    assert loads["C"] == (13, 10.0, False) and loads["D"] == (15, 10.0, True)

    # A small median: 2 over 1 is twice it but not 3 over; 4 is both.
    team2 = f.team(session)
    lead2 = f.user(session, "manager", team2, name="Лид 2")
    board2 = f.board(session, team2)
    small = {n: f.user(session, "agent", team2, name=n) for n in ("E", "F", "G", "H")}
    for name, n in zip(small, (1, 1, 3, 4)):
        _give(session, lead2, board2, small[name], n)
    loads = _loads(session, lead2, board2)  # 0 (lead), 1, 1, 3, 4: median 1
    assert loads["G"] == (3, 1.0, False) and loads["H"] == (4, 1.0, True)


def test_load_is_for_people_who_may_work_on_the_board(session):
    team, stranger_team = f.team(session), f.team(session)
    board = f.board(session, team)
    with pytest.raises(PermissionDenied):
        board_load.board_load(session, f.user(session, "manager", stranger_team), board)
    with pytest.raises(PermissionDenied):
        board_load.board_load(session, f.user(session, "analyst", None), board)


def test_board_sla_filters_and_due_order(session):
    team = f.team(session)
    lead = f.user(session, "manager", team)
    board = f.board(session, team)
    now = datetime.now().astimezone()
    midnight = local_midnight(today() + timedelta(days=1))
    # title → (due, at risk from, first response missed)
    plan = {
        "breached": (now + timedelta(days=2), now + timedelta(days=1), True),
        "at risk": (now + timedelta(days=3), now - timedelta(minutes=10), None),
        "due today": (min(now + timedelta(minutes=50), midnight - timedelta(minutes=1)), now + timedelta(minutes=40),
                      None),
        "calm": (now + timedelta(days=5), now + timedelta(days=4), None),
        "no sla": (None, None, None),
    }
    for title, (due, risk, missed) in plan.items():
        t = tickets.create(session, lead, title=title, board_id=board.id)
        t.sla_due_at, t.sla_at_risk_at, t.sla_first_response_breached = due, risk, missed
    session.flush()
    queue = f.column(board, "queue").id

    def shown(sla=(), order=None):
        cols = board_view.columns(session, lead, board, [queue], TicketFilter.from_dict({"sla": list(sla)})) \
            if order is None else board_view.view(session, lead, board, [queue],
                                                  TicketFilter.from_dict({"sla": list(sla)}), order=order)[0]
        return [c["title"] for cell in cols[queue]["cells"].values() for c in cell["cards"]]

    assert shown(["breached"]) == ["breached"]
    assert shown(["at_risk"]) == ["at risk"]
    late_evening = midnight - now < timedelta(hours=1)  # "due today" lands tomorrow just before midnight
    assert shown(["due_today"]) == ["due today"] or late_evening
    assert sorted(shown(["at_risk", "breached"])) == ["at risk", "breached"]  # any of them
    assert len(shown()) == 5
    # Sorted by due: soonest first, no running SLA last.
    assert shown(order="due") == ["due today", "breached", "at risk", "calm", "no sla"]
    # Each card knows its due time (the card's indicator); the one without SLA has none.
    cards = {c["title"]: c for cell in board_view.columns(session, lead, board, [queue])[queue]["cells"].values()
             for c in cell["cards"]}
    assert cards["calm"]["due_at"] == pytest.approx(plan["calm"][0].timestamp())
    assert cards["no sla"]["due_at"] is None and cards["breached"]["sla"] == "breached"


def test_a_manager_lands_on_their_teams_board_or_picks_with_their_boards_first(session):
    team, other_team = f.team(session), f.team(session)
    lead = f.user(session, "manager", team)
    own = f.board(session, team, name="Ж поддержка")
    f.board(session, other_team, name="Чужая")
    shared = f.board(session, None, name="А общая")
    assert boards.home_board(session, lead).id == own.id  # one board of their team: straight there

    second = f.board(session, team, name="Я вторая")
    assert boards.home_board(session, lead) is None  # several: they pick
    picked = [(b.id, mine) for b, mine in boards.picker(session, lead)]
    assert picked[:2] == [(own.id, True), (second.id, True)]  # their team's boards first, by name
    assert (shared.id, False) in picked[2:]

    # A manager who leads a team (not only belongs to one) lands on its board too.
    led = f.team(session)
    head = f.user(session, "manager", None)
    led.lead_id = head.id
    session.flush()
    led_board = f.board(session, led)
    assert boards.home_board(session, head).id == led_board.id
