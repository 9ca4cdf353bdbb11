"""Admin changes to services and request types: only admins, every value checked."""
from __future__ import annotations

import pytest

from data.catalog import admin as catalog_admin
from data.errors import PermissionDenied, ValidationError
from tests import factories as f

SCHEMA = [{"key": "remote_help", "type": "checkbox", "label": "Remote"},
          {"key": "topic", "type": "select", "label": "Topic", "options": ["Printer", "Other"], "required": True,
           "show_when": {"field": "remote_help", "equals": False}}]


def test_service_create_and_checks(session):
    admin, agent, board = f.user(session, "admin"), f.user(session, "agent"), f.board(session)
    data = {"code": "it-help", "name": "IT", "board_id": board.id, "allowed_domains": "Corp.example, @vostok.example",
            "on_status_change": True, "auto_reply_template": "Got #{number}"}
    with pytest.raises(PermissionDenied):
        catalog_admin.save_service(session, agent, None, data)
    service = catalog_admin.save_service(session, admin, None, data)
    assert service.allowed_domains == ["corp.example", "vostok.example"] and service.notify["on_status_change"]
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_service(session, admin, None, data)
    assert err.value.fields == {"code": "already used"}
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_service(session, admin, service.id, {**data, "allowed_domains": "not a domain!"})
    assert "allowed_domains" in err.value.fields
    other = f.board(session)
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_service(session, admin, service.id, {**data, "column_id": other.columns[0].id})
    assert err.value.fields == {"column_id": "not on the board"}


def test_request_type_schema_routing_and_children_are_checked(session):
    admin, board = f.user(session, "admin"), f.board(session)
    service = f.service(session, board)
    agent = f.user(session, "agent")
    data = {"code": "printer", "name": "Printer", "field_schema": SCHEMA,
            "checklist": [{"text": "Photo attached", "required_on_submit": True}, " ", "Check toner"],
            "routing": {"assign": "fixed", "user_id": agent.id,
                        "rules": [{"field": "topic", "equals": "Printer", "card_type": "Hardware", "assignee_id": ""}]},
            "children": [{"board_id": board.id, "title": "Order toner for {topic}", "checklist": ["Order"]}],
            "children_mode": "chain"}
    rt = catalog_admin.save_request_type(session, admin, None, service.id, data)
    assert rt.checklist == [{"text": "Photo attached", "required_on_submit": True},
                            {"text": "Check toner", "required_on_submit": False}]
    assert rt.routing["rules"] == [{"field": "topic", "equals": "Printer", "card_type": "Hardware"}]
    assert rt.children[0]["checklist"] == [{"text": "Order", "required_on_submit": False}]
    bad_schema = SCHEMA + [{"key": "topic", "type": "colour", "label": ""},
                           {"key": "x", "type": "text", "label": "X", "show_when": {"field": "nope", "equals": 1}}]
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_request_type(session, admin, rt.id, service.id, {**data, "field_schema": bad_schema})
    message = err.value.fields["field_schema"]
    assert "used twice" in message and "unknown type" in message and "unknown field “nope”" in message
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_request_type(session, admin, rt.id, service.id,
                                        {**data, "routing": {"assign": "round_robin", "rules": [{"field": "zzz"}]}})
    assert "rule 1" in err.value.fields["routing"]
    with pytest.raises(ValidationError):
        catalog_admin.save_request_type(session, admin, rt.id, service.id, {**data, "children": [{"title": "x"}]})
