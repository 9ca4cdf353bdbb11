"""The reference lists pages fill their dropdowns from, and the catalog items a portal or API client names."""
from __future__ import annotations

from data.catalog import lookups
from data.intake import portal
from data.models import ReplyTemplate
from tests import factories as f
from tests.portal_factories import request_type


def test_lanes_and_columns_of_a_board_in_board_order(session):
    alice, bob = f.user(session, "agent", name="Alice"), f.user(session, "agent", name="Bob")
    b = f.board(session, agents=[alice, bob], name="Support")
    other = f.board(session, agents=[f.user(session)], name="Other")
    assert [o["label"] for o in lookups.board_columns(session, b.id)] == ["Queue", "In progress", "Waiting", "Done"]
    assert [o["label"] for o in lookups.board_lanes(session, b.id)] == ["Alice", "Bob"]
    assert lookups.board_columns(session, None) == [] and lookups.board_lanes(session, None) == []
    labelled = [o["label"] for o in lookups.lanes(session)]
    assert labelled.index("Support · Alice") < labelled.index("Support · Bob")
    assert {o["value"] for o in lookups.lanes(session)} >= {lane.id for lane in b.lanes + other.lanes}
    assert lookups.board_name(session, b.id) == "Support" and lookups.board_name(session, -1) is None


def test_reply_templates_by_name(session):
    session.add_all([ReplyTemplate(name="Zz closing", body="Bye"), ReplyTemplate(name="Aa greeting", body="Hi")])
    session.flush()
    names = [o["label"] for o in lookups.reply_templates(session)]
    assert names.index("Aa greeting") < names.index("Zz closing")


def test_service_and_request_type_by_id_or_code(session):
    b = f.board(session)
    svc, other = f.service(session, b, code="it-help"), f.service(session, b, code="hr-help")
    rt = request_type(session, svc)
    assert lookups.service_by_ref(session, "it-help").id == svc.id
    assert lookups.service_by_ref(session, svc.id).id == svc.id
    assert lookups.service_by_ref(session, str(svc.id)).id == svc.id
    assert lookups.service_by_ref(session, "nope") is None and lookups.service_by_ref(session, "") is None
    assert lookups.request_type_by_ref(session, svc.id, rt.code).id == rt.id
    assert lookups.request_type_by_ref(session, svc.id, rt.id).id == rt.id
    assert lookups.request_type_by_ref(session, other.id, rt.code) is None  # another service's type


def test_portal_choices_are_active_and_belong_together(session):
    b = f.board(session)
    svc, other = f.service(session, b), f.service(session, b)
    rt, foreign = request_type(session, svc), request_type(session, other)
    assert portal.service(session, svc.id).id == svc.id
    assert portal.service(session, str(svc.id)).id == svc.id
    assert portal.request_type(session, svc.id, rt.id).id == rt.id
    assert portal.request_type(session, svc.id, foreign.id) is None
    assert portal.request_type(session, svc.id, None) is None and portal.service(session, "x") is None
    rt.is_active = svc.is_active = False
    session.flush()
    assert portal.service(session, svc.id) is None and portal.request_type(session, svc.id, rt.id) is None

