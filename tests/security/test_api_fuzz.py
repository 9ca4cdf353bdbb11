"""The API (web forms and metrics) under generated input (schemathesis, from its own OpenAPI document) and hand-written
hostile bodies: never a server error, every answer JSON as the document describes it."""
from __future__ import annotations

import json
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from data.catalog import integrations
from data.db import session_scope
from data.identity import tokens
from tests import factories as f
from tests.portal_factories import request_type

# What the document promises: no 5xx, only documented status codes and content types, bodies that
# match their schema. (Whether a generated "valid" body is accepted depends on the catalogue the
# test made, so positive/negative acceptance checks are not part of the contract tested here.)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
MAX_EXAMPLES = 60  # per operation and phase; the whole test stays well under a minute


@pytest.fixture(scope="module")
def api(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Fuzz team {tag}")
        agent = f.user(s, "agent", team)
        admin = f.user(s, "admin")
        board = f.board(s, team, agents=[agent])
        service = f.service(s, board, code=f"fz{tag}", name="IT")
        rt = request_type(s, service, fields=[])
        _row, token = integrations.create_token(s, admin, f"Fuzz {tag}")  # any service
        analyst = f.user(s, "analyst")
        _row, personal = tokens.create(s, analyst, analyst, "fuzz")  # the metrics API's token
        ids = dict(service=service.id, code=service.code, rt_code=rt.code)
    return dict(client=app.test_client(), token=token, personal=personal, **ids)


@pytest.fixture(scope="module")
def api_schema(app, api):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_cases_never_fail_the_server(case, api):
    token = api["personal"] if case.path.startswith("/metrics/") else api["token"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def _post(api, body, raw: str | None = None):
    data = raw if raw is not None else json.dumps(body)
    return api["client"].post("/api/v1/requests", data=data, content_type="application/json",
                              headers={"Authorization": f"Bearer {api['token']}"})


def _get(api, number: str):
    return api["client"].get(f"/api/v1/requests/{number}", headers={"Authorization": f"Bearer {api['token']}"})


def _good(api, **extra):
    return {"email": "fuzz@corp.example", "service": api["code"], "request_type": api["rt_code"], "title": "Hi", **extra}


@pytest.mark.parametrize("extra, field", [
    ({"title": ["a", "b"]}, "title"), ({"title": {"x": 1}}, "title"), ({"description": 5}, "description"),
    ({"name": ["x"]}, "name"), ({"email": {"a": 1}}, "email"), ({"email": "a\x00@corp.example"}, "email"),
    ({"title": "nul\x00byte"}, "title"), ({"description": "x\x00"}, "description"),
    ({"service": True}, "service"), ({"service": 10 ** 20}, "service"), ({"service": -1}, "service"),
    ({"service": 1.5}, "service"), ({"service": str(10 ** 20)}, "service"), ({"service": None}, "service"),
    ({"request_type": 10 ** 20}, "request_type"), ({"request_type": False}, "request_type"),
    ({"values": ["x"]}, "values"), ({"values": {"k": "\x00"}}, "values"), ({"values": {"k": {"deep": [[[]]]}}}, "values"),
    ({"checklist_confirmed": "all"}, "checklist_confirmed"), ({"checklist_confirmed": [10 ** 20]}, "checklist_confirmed"),
    ({"checklist_confirmed": [{"a": 1}]}, "checklist_confirmed"),
    ({"attachments": {"filename": "x"}}, "attachments"), ({"locale": ["ru"]}, "locale"),
    ({"title": "x" * 100_000}, "title"),
])
def test_bad_bodies_answer_json_400_naming_the_field(api, extra, field):
    res = _post(api, _good(api, **extra))
    assert res.status_code == 400, res.text[:300]
    assert res.is_json and isinstance(res.json["error"], str) and field in res.json["fields"], res.json


@pytest.mark.parametrize("raw", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
                                 "{", '"just a string"', "1e999999", '{"email": "\\ud800"}'])
def test_malformed_json_answers_json_4xx(api, raw):
    res = _post(api, None, raw=raw)
    assert 400 <= res.status_code < 500 and res.is_json and "error" in res.json, res.text[:300]


@pytest.mark.parametrize("number", [str(10 ** 20), "99999999999999999999999999999", "2147483648", "0", "-1", "1e5"])
def test_huge_or_odd_request_numbers_are_not_found(api, number):
    res = _get(api, number)
    assert res.status_code == 404 and res.is_json and "error" in res.json


def test_a_good_body_is_still_accepted(api):
    res = _post(api, _good(api))
    assert res.status_code == 201, res.text
    assert _get(api, str(res.json["number"])).status_code == 200
