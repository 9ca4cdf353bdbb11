"""Admin service functions: calendars, SLA policies, priorities and rules validate input and need the admin role."""
from __future__ import annotations

from datetime import date

import pytest

from data.tickets import priorities
from data.automation import admin as rules_admin
from data.sla import admin as sla_admin
from data.tickets import actions as tickets
from data.errors import PermissionDenied, ValidationError
from data.tickets.escalation import escalate
from data.models import Priority, SlaPolicy
from tests import factories as f


def test_calendar_validation_and_save(session):
    admin = f.user(session, "admin")
    with pytest.raises(ValidationError) as err:
        sla_admin.save_calendar(session, admin, None, name="", timezone="Mars/Base",
                                hours={"mon": "18:00-09:00"})
    assert set(err.value.fields) >= {"name", "timezone", "mon"}
    cal = sla_admin.save_calendar(session, admin, None, name="Office", timezone="Europe/Berlin",
                                  hours={"mon": "09:00-13:00, 14:00-18:00"}, holidays="2026-12-25\n01.01.2027")
    assert cal.hours["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert cal.holidays == [date(2026, 12, 25), date(2027, 1, 1)]
    with pytest.raises(PermissionDenied):
        sla_admin.save_calendar(session, f.user(session, "manager"), cal.id, name="x", timezone="UTC",
                                hours={"mon": "09:00-18:00"})


def test_saving_a_policy_recomputes_open_tickets(session):
    admin = f.user(session, "admin")
    board = f.board(session)
    t = tickets.create(session, admin, title="Open", board_id=board.id)
    assert t.sla_policy_id is None
    with pytest.raises(ValidationError) as err:
        sla_admin.save_policy(session, admin, None, name="Empty", targets={"first_response": (None, None)})
    assert "first_response" in err.value.fields
    p = sla_admin.save_policy(session, admin, None, name="All", targets={"resolution": (120, None)})
    session.refresh(t)
    assert t.sla_policy_id == p.id and t.resolution_due_at is not None


def test_priorities_defaults_reorder_and_validate(session):
    admin = f.user(session, "admin")
    session.query(Priority).delete()
    assert priorities.ensure_defaults(session, admin) == 5
    order = [p.code for p in priorities.ordered(session)]
    assert order[0] == "urgent" and order[-1] == "can_wait"
    urgent = priorities.ordered(session)[0]
    priorities.move(session, admin, urgent.id, +1)
    assert [p.code for p in priorities.ordered(session)][:2] == ["high", "urgent"]
    with pytest.raises(ValidationError) as err:
        priorities.save(session, admin, None, name_ru="Критично", name_en="", color="red")
    assert set(err.value.fields) == {"name_en", "color"}
    added = priorities.save(session, admin, None, name_ru="Критично", name_en="Critical", color="#aa0000")
    assert added.rank == 6 and added.code == "critical"


def test_rule_validation(session):
    admin = f.user(session, "admin")
    with pytest.raises(ValidationError) as err:
        rules_admin.save(session, admin, None, name="", trigger="no_activity", actions=[{"type": "set_assignee"}],
                         conditions={"time_from": "09:00"})
    assert set(err.value.fields) >= {"name", "minutes", "set_assignee", "time"}


def test_escalation_moves_to_the_next_line_and_the_last_line_refuses(session):
    l1, l2 = f.team(session, line_level=1), f.team(session, line_level=2)
    agent = f.user(session, "agent", team=l1)
    b1, b2 = f.board(session, team=l1), f.board(session, team=l2)
    t = tickets.create(session, agent, title="Needs L2", board_id=b1.id, team_id=l1.id)
    tickets.move(session, agent, t.id, f.column(b1, "in_progress").id)
    escalate(session, agent, t.id)
    assert (t.board_id, t.column_id, t.team_id, t.assignee_id) == (b2.id, f.column(b2, "queue").id, l2.id, None)
    f.team(session, line_level=99)  # a later line without a board
    with pytest.raises(ValidationError):
        escalate(session, f.user(session, "agent", team=l2), t.id)  # now L2's card: L2 escalates it


def test_the_history_names_the_lines_of_an_escalation(session):
    """Escalating and entering a line's lane are one event: the history says from which team to which."""
    from data.tickets import view as ticket_view
    l1, l2 = f.team(session, name="Первая линия", line_level=1), f.team(session, name="Вторая линия", line_level=2)
    agent = f.user(session, "agent", team=l1)
    b1 = f.board(session, team=l1)
    f.board(session, team=l2)  # the next line's board
    t = tickets.create(session, agent, title="Needs L2", board_id=b1.id, team_id=l1.id)
    escalate(session, agent, t.id)
    (event,) = [e for e in ticket_view.history(session, t.id) if e["kind"] == "escalated"]
    assert (event["from_value"], event["to_value"]) == ("Первая линия", "Вторая линия")


def test_form_durations_and_percentages_convert_both_ways():
    from components import admin_form as af
    assert af.minutes_of("1", "4", "") == 1680 and af.minutes_of(None, "", "45") == 45
    assert af.minutes_of("", None, "") is None  # no target
    assert af.duration_parts(1680) == {"d": 1, "h": 4, "m": 0} and af.duration_parts(None)["d"] is None
    assert af.minutes_of(*af.duration_parts(2 * 1440 + 90).values()) == 2 * 1440 + 90
    for bad in (("-1", "", ""), ("", "1.5", ""), ("x", "", ""), ("0", "0", "0")):
        with pytest.raises(af.FormValueError):
            af.minutes_of(*bad)
    assert af.fraction_of("20") == 0.2 and af.fraction_of("12,5") == 0.125 and af.fraction_of("") is None
    assert af.percent_of(0.2) == 20 and af.percent_of(0.125) == 12.5
    for bad in ("0", "100", "120", "много"):
        with pytest.raises(af.FormValueError):
            af.fraction_of(bad)


def test_a_new_policy_goes_after_the_existing_ones(session):
    admin = f.user(session, "admin")
    session.query(SlaPolicy).delete()
    first = sla_admin.save_policy(session, admin, None, name="First", targets={"resolution": (60, None)})
    assert first.position == 10 and sla_admin.next_position(session) == 20
    sla_admin.save_policy(session, admin, None, name="Early", position=35, targets={"resolution": (60, None)})
    assert sla_admin.next_position(session) == 45
    again = sla_admin.save_policy(session, admin, first.id, name="First again", targets={"resolution": (90, None)})
    assert again.position == 10  # editing keeps its place


def test_the_sla_page_converts_what_was_typed(app):
    from pages.admin import sla as page
    with pytest.raises(ValidationError) as err:
        page._converted({"first_response__d": "-1", "at_risk_share": "0"})
    assert set(err.value.fields) == {"first_response", "at_risk_share"}
    minutes, share = page._converted({"resolution__d": "1", "resolution__h": "4", "at_risk_share": "20"})
    assert minutes == {"first_response": None, "next_response": None, "resolution": 1680} and share == 0.2
    assert page._catch_all({"services": [], "organisations": ""}) == "slaadmin.confirm_catch_all"
    assert page._catch_all({"services": [3]}) is None
