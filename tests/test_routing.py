"""Routing on create: fixed person, round-robin, least-loaded, rules on field values."""
from __future__ import annotations

from data.intake import requesters
from data.intake import submit as requests
from data.tickets import actions as tickets
from tests import factories as f
from tests.portal_factories import desk, request_type


def make(session, d, rt, **values):
    req = requesters.find_or_create_by_email(session, "maria@corp.example")
    return requests.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="x",
                           channel="portal", values={"remote_help": True, "topic": "Other", **values})


def test_fixed_person(session):
    d = desk(session)
    rt = request_type(session, d["service"], routing={"assign": "fixed", "user_id": d["alice"].id})
    assert make(session, d, rt).assignee_id == d["alice"].id


def test_round_robin_takes_turns_among_agents(session):
    d = desk(session)
    rt = request_type(session, d["service"], routing={"assign": "round_robin", "team_id": d["team"].id})
    got = [make(session, d, rt).assignee_id for _ in range(4)]
    assert got == [d["alice"].id, d["bob"].id, d["alice"].id, d["bob"].id]  # the lead is not in the rotation


def test_least_loaded_picks_fewest_open_cards(session):
    d = desk(session)
    for _ in range(2):
        tickets.create(session, d["lead"], title="old", board_id=d["board"].id, assignee_id=d["alice"].id)
    done = tickets.create(session, d["lead"], title="closed", board_id=d["board"].id, assignee_id=d["bob"].id)
    tickets.move(session, d["lead"], done.id, f.column(d["board"], "done").id)
    tickets.create(session, d["lead"], title="open", board_id=d["board"].id, assignee_id=d["bob"].id)
    rt = request_type(session, d["service"], routing={"assign": "least_loaded"})  # the service's team
    first = make(session, d, rt)
    assert first.assignee_id == d["bob"].id  # 1 open card against 2 (done ones don't count)
    assert make(session, d, rt).assignee_id == d["alice"].id  # 2 against 2: the tie goes to the first
    assert make(session, d, rt).assignee_id == d["bob"].id


def test_rule_on_field_value_sets_type_assignee_and_board(session):
    d = desk(session)
    sysadmin = f.user(session, "agent", name="Sysadmin on duty")
    hw_board = f.board(session, name="Hardware")
    rt = request_type(session, d["service"], routing={
        "assign": "round_robin", "team_id": d["team"].id,
        "rules": [{"field": "topic", "equals": "Printer", "card_type": "Hardware", "assignee_id": sysadmin.id,
                   "board_id": hw_board.id},
                  {"field": "systems", "in": ["VPN"], "card_type": "Network", "assign": "least_loaded"}]})
    printer = make(session, d, rt, topic="Printer")
    assert (printer.card_type, printer.assignee_id, printer.board_id) == ("Hardware", sysadmin.id, hw_board.id)
    assert printer.column_id == f.column(hw_board, "queue").id
    vpn = make(session, d, rt, systems=["VPN", "Mail"])
    assert vpn.card_type == "Network" and vpn.board_id == d["board"].id
    other = make(session, d, rt)
    assert other.card_type == "Question" and other.assignee_id in (d["alice"].id, d["bob"].id)
