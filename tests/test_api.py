"""The web-form API through the real Flask app: token auth, JSON errors per field, status, isolation."""
from __future__ import annotations

import base64
import uuid

import pytest

from data.catalog import integrations
from data.db import session_scope
from data.models import Ticket
from tests import factories as f
from tests.portal_factories import request_type


@pytest.fixture(scope="module")
def api(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"API team {tag}")
        agent = f.user(s, "agent", team, email=f"api-agent-{tag}@example.com")
        admin = f.user(s, "admin", email=f"api-admin-{tag}@example.com")
        board = f.board(s, team, agents=[agent])
        service = f.service(s, board, code=f"api{tag}", name="IT")
        rt = request_type(s, service, routing={"assign": "fixed", "user_id": agent.id})
        other = f.service(s, board, code=f"oth{tag}", name="Other")
        _row, token = integrations.create_token(s, admin, "Intranet", service.id)
        _row2, token2 = integrations.create_token(s, admin, "Another site")
        revoked, token3 = integrations.create_token(s, admin, "Old site")
        integrations.revoke(s, admin, revoked.id)
        ids = dict(service=service.id, code=service.code, rt=rt.id, rt_code=rt.code, agent=agent.id, other=other.id)
    client = app.test_client()
    return dict(client=client, token=token, token2=token2, token3=token3, **ids)


def post(api, body, token=None, **kw):
    return api["client"].post("/api/v1/requests", json=body,
                              headers={"Authorization": f"Bearer {token or api['token']}"}, **kw)


def good(api, **extra):
    return {"email": "web.user@corp.example", "name": "Web User", "service": api["code"], "request_type": api["rt_code"],
            "title": "Printer jams", "values": {"remote_help": True, "topic": "Printer"}, **extra}


def test_create_and_read_status(api):
    res = post(api, good(api, attachments=[{"filename": "photo.png", "field": "photo",
                                            "content_base64": base64.b64encode(b"png").decode()}]))
    assert res.status_code == 201, res.json
    number = res.json["number"]
    assert res.json["status"] == "queue" and res.json["requester_status"] == "Queue"
    with session_scope() as s:
        t = s.query(Ticket).filter_by(number=number).one()
        assert (t.channel, t.assignee_id, t.fields["photo"]) == ("api", api["agent"], ["photo.png"])
    got = api["client"].get(f"/api/v1/requests/{number}", headers={"Authorization": f"Bearer {api['token']}"})
    assert got.status_code == 200 and got.json["number"] == number
    # Another integration can't read it, and neither can a revoked or missing token.
    other = api["client"].get(f"/api/v1/requests/{number}", headers={"Authorization": f"Bearer {api['token2']}"})
    assert other.status_code == 404 and other.json["error"] == f"Request #{number} not found"
    assert api["client"].get(f"/api/v1/requests/{number}",
                             headers={"Authorization": f"Bearer {api['token3']}"}).status_code == 401
    assert api["client"].get(f"/api/v1/requests/{number}").status_code == 401


def test_field_errors_are_json(api):
    res = post(api, good(api, values={"topic": "Fax", "colour": "red"}, locale="en"))
    assert res.status_code == 400
    assert res.json["fields"] == {"topic": "Choose one of the listed options", "colour": "Unknown field",
                                  "location": "This field is required"}
    res = post(api, {**good(api), "priority": "urgent"})
    assert res.status_code == 400 and res.json["fields"] == {"priority": "unknown field"}
    res = post(api, good(api, email="not an address"))
    assert res.status_code == 400 and "email" in res.json["fields"]
    res = post(api, good(api, attachments=[{"filename": "x.exe", "content_base64": "TVo="}]))
    assert res.status_code == 400 and "x.exe" in res.json["fields"]["attachments"]
    res = post(api, good(api, attachments=[{"filename": "x.pdf", "content_base64": "%%%"}]))
    assert res.status_code == 400 and "attachments[0]" in res.json["fields"]
    res = api["client"].post("/api/v1/requests", data="hello", headers={"Authorization": f"Bearer {api['token']}"})
    assert res.status_code == 415
    res = post(api, good(api, request_type="nope"))
    assert res.status_code == 400 and "request_type" in res.json["fields"]


def test_token_scoped_to_its_service(api):
    res = post(api, good(api, service=api["other"], request_type=None))
    assert res.status_code == 403 and res.json["fields"] == {"service": "forbidden"}
    assert post(api, good(api, service=api["other"], request_type=None, values={}), token=api["token2"]).status_code == 201


def test_openapi_document(api):
    doc = api["client"].get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.") and "/requests" in doc["paths"] and "/requests/{number}" in doc["paths"]
