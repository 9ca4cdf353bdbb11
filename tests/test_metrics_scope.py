"""Analytics within team boundaries: a manager's charts and KPI cards count their teams' tickets (their
boards, the shared boards, tickets handed to their team) and nothing else, whatever the URL asks for;
admins, analysts and directors count every team's. The same rule as the ticket list (data.permissions)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from components.analytics_page import render_kpis
from components.chart_card import CALLBACKS
from data.db import read_session, session_scope
from data.metrics import filters, flow, kpi, team
from data.models import User
from data.tickets import actions as tickets
from tests import factories as f
from tests.dash_support import load_user, signed_in

DAY = datetime(2025, 5, 14, 10, 0, tzinfo=timezone(timedelta(hours=3)))


@pytest.fixture(scope="module")
def world(database_url):
    with session_scope() as s:
        ours, theirs = f.team(s), f.team(s)
        manager = f.user(s, "manager", ours)
        mine, other, shared = f.board(s, ours), f.board(s, theirs), f.board(s)
        agent_b = f.user(s, "agent", theirs, name="Their agent")

        def ticket(board, team_id=None, assignee=None):
            tickets.create(s, None, title="Scope", board_id=board.id, team_id=team_id, assignee_id=assignee, at=DAY)

        ticket(mine, ours.id), ticket(mine, ours.id)
        ticket(other, theirs.id, agent_b.id)
        ticket(other, ours.id)  # on their board, handed to our team (a line's lane): ours to see
        ticket(shared)
        people = {role: f.user(s, role).id for role in ("admin", "analyst", "director")}
        return dict(manager=manager.id, agent_b=agent_b.id, boards=f"{mine.id},{other.id},{shared.id}",
                    other=str(other.id), **people)


def _query(world, **extra):
    return {"from": "2025-05-01", "to": "2025-05-31", "board": world["boards"], **extra}


def _created(app, world, who, **extra) -> int:
    """What the created-vs-resolved chart draws for this person."""
    with signed_in(app, load_user(world[who])):
        _figure, data = CALLBACKS["created-resolved"](_query(world, **extra))
    return sum(r["created"] for r in data)


def test_a_managers_charts_count_only_their_teams_tickets(app, world):
    assert _created(app, world, "manager") == 4  # two on our board, one handed to us, one on the shared board
    assert _created(app, world, "manager", board=world["other"]) == 1  # asking for their board shows only ours
    for reader in ("admin", "analyst", "director"):
        assert _created(app, world, reader) == 5


def test_a_managers_kpi_cards_and_agent_table_stay_within_their_teams(app, world):
    with signed_in(app, load_user(world["manager"])):
        cards = str(render_kpis(_query(world)))
        _figure, agents = CALLBACKS["agents-table"](_query(world))
    assert "an-kpi-created" in cards
    with read_session() as s:
        manager = s.get(User, world["manager"])
        scoped = filters.scoped(s, manager, filters.parse(_query(world))[0])
        assert scoped.reach is not None and scoped.to_query() == filters.parse(_query(world))[0].to_query()
        assert kpi.kpis(s, manager, scoped)["created"]["value"] == 4
        assert world["agent_b"] not in {r["agent_id"] for r in team.agents(s, manager, scoped)}
        analyst = s.get(User, world["analyst"])
        everyone = filters.scoped(s, analyst, filters.parse(_query(world))[0])
        assert everyone.reach is None
        assert world["agent_b"] in {r["agent_id"] for r in team.agents(s, analyst, everyone)}
        assert sum(r["created"] for r in flow.created_resolved(s, analyst, everyone, "month")) == 5
    assert world["agent_b"] not in {r["agent_id"] for r in agents}


def test_the_reach_never_comes_from_the_url(world):
    f_, problems = filters.parse(_query(world, reach="1"))
    assert not hasattr(f_, "reach") and "reach" not in f_.to_query()
