"""Tags on tickets: normalised, recorded as a field change, filtered on the list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.errors import PermissionDenied, ValidationError
from data.models import TicketEvent
from data.tickets import actions as tickets
from data.tickets import query as ticket_query
from data.tickets import tags
from tests import factories as f


@pytest.fixture
def desk(session):
    team = f.team(session)
    manager = f.user(session, "manager", team)
    board = f.board(session, team)
    made = [tickets.create(session, manager, title=f"Тег {i}", board_id=board.id) for i in range(3)]
    return dict(manager=manager, tickets=made, board=board)


def test_normalise_trims_lowers_collapses_and_drops_repeats():
    assert tags.normalise(["  VPN ", "Офис  Москва", "vpn", "", "  "]) == ["vpn", "офис москва"]
    assert tags.normalise("Принтер, 1С ,принтер") == ["1с", "принтер"]


def test_normalise_refuses_long_tags_and_too_many():
    assert tags.normalise(["x" * 40]) == ["x" * 40]
    with pytest.raises(ValidationError) as err:
        tags.normalise(["x" * 41])
    assert "40" in err.value.message("ru")
    assert len(tags.normalise([f"t{i}" for i in range(20)])) == 20
    with pytest.raises(ValidationError) as err:
        tags.normalise([f"t{i}" for i in range(21)])
    assert "20" in err.value.message("en")


def test_setting_tags_records_a_field_event_once(session, desk):
    t = desk["tickets"][0]
    tags.set_tags(session, desk["manager"], t.id, ["VPN", "срочно"])
    tags.set_tags(session, desk["manager"], t.id, ["срочно", "vpn"])  # the same tags: nothing to record
    assert t.tags == ["vpn", "срочно"]
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                       TicketEvent.kind == "field")).all()
    assert len(events) == 1
    assert events[0].data == {"field": "tags", "added": ["vpn", "срочно"], "removed": []}
    assert events[0].to_value == "vpn, срочно" and events[0].actor_user_id == desk["manager"].id


def test_only_staff_who_may_change_the_ticket_edit_its_tags(session, desk):
    outsider = f.user(session, "manager", f.team(session))
    with pytest.raises(PermissionDenied):
        tags.set_tags(session, outsider, desk["tickets"][0].id, ["vpn"])
    with pytest.raises(PermissionDenied):
        tags.set_tags(session, f.user(session, "analyst"), desk["tickets"][0].id, ["vpn"])


def test_the_list_filters_by_any_of_the_tags(session, desk):
    a, b, c = desk["tickets"]
    tags.set_tags(session, desk["manager"], a.id, ["vpn"])
    tags.set_tags(session, desk["manager"], b.id, ["принтер", "офис"])
    tags.set_tags(session, desk["manager"], c.id, ["офис"])
    board = {"board": str(desk["board"].id)}

    def numbers(query):
        found, _problems = ticket_query.parse_filter(board | query)
        return sorted(r["number"] for r in ticket_query.page(session, desk["manager"], found))

    assert numbers({"tag": "VPN"}) == [a.number]
    assert numbers({"tag": "принтер,vpn"}) == sorted([a.number, b.number])
    assert numbers({"tag": "офис"}) == sorted([b.number, c.number])
    assert numbers({}) == sorted([a.number, b.number, c.number])
    assert ticket_query.parse_filter({"tag": " Офис "})[0].to_query() == {"tag": "офис"}
