"""A requester never sees or changes another requester's request: not by URL, forged callback, file link or
API; and a requester session reaches only the portal's pages and callbacks."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from data.intake import requesters
from data.intake import submit as requests
from data.db import session_scope
from data.models import Attachment, Comment
from tests import factories as f
from tests.portal_factories import request_type

REPLY_OUTPUTS = [("portal-request-conversation", "children"), ("portal-request-feedback", "children"),
                 ("portal-request-body", "value"), ("portal-request-upload", "contents")]


@pytest.fixture(scope="module")
def world(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        board = f.board(s, name=f"Sec {tag}")
        service = f.service(s, board, name=f"Sec {tag}")
        rt = request_type(s, service, fields=[])
        anna = requesters.find_or_create_by_email(s, f"anna.{tag}@corp.example", "Anna")
        boris = requesters.find_or_create_by_email(s, f"boris.{tag}@corp.example", "Boris")
        t = requests.submit(s, anna, service_id=service.id, request_type_id=rt.id, title=f"Anna's secret {tag}",
                            channel="portal", attachments=[{"filename": "salary.pdf", "content": b"%PDF"}])
        s.flush()
        att = s.scalar(select(Attachment.id).where(Attachment.ticket_id == t.id))
        ids = dict(anna=anna.id, boris=boris.id, number=t.number, ticket=t.id, attachment=att, tag=tag)
    return dict(server=app, **ids)


def client_as(world, requester_id):
    client = world["server"].test_client()
    client.get("/portal/login")  # sets the CSRF cookie and session token
    if requester_id:
        with client.session_transaction() as sess:
            sess["portal_requester_id"] = requester_id
    return client


def callback(client, outputs, inputs, state=()):
    token = client.get_cookie("_csrf_token").value
    names = [f"{i}.{p}" for i, p in outputs]
    body = {"output": ".." + "...".join(names) + ".." if len(outputs) > 1 else names[0],
            "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
            else {"id": outputs[0][0], "property": outputs[0][1]},
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", data=json.dumps(body),
                       headers={"Content-Type": "application/json", "X-CSRFToken": token})


def render(client, path):
    return callback(client, [("_pages_content", "children"), ("_pages_store", "data")],
                    [("_pages_location", "pathname", path), ("_pages_location", "search", "")])


def test_other_requesters_request_is_not_found_by_url(world):
    boris = client_as(world, world["boris"])
    res = render(boris, f"/portal/request/{world['number']}")
    assert res.status_code == 200 and "Anna's secret" not in res.text and "portal-request-missing" in res.text
    anna = client_as(world, world["anna"])
    assert f"Anna's secret {world['tag']}" in render(anna, f"/portal/request/{world['number']}").text


def test_forged_reply_callback_to_another_request_is_refused(world):
    boris = client_as(world, world["boris"])
    res = callback(boris, REPLY_OUTPUTS, [("portal-request-send", "n_clicks", 1)],
                   [("portal-request-number", "data", world["number"]), ("portal-request-body", "value", "pwned"),
                    ("portal-request-upload", "contents", None), ("portal-request-upload", "filename", None)])
    assert res.status_code == 200 and "Заявка не найдена" in json.dumps(res.json, ensure_ascii=False)
    with session_scope() as s:
        assert s.scalar(select(Comment.id).where(Comment.ticket_id == world["ticket"], Comment.body == "pwned")) is None


def test_requester_session_reaches_only_portal_callbacks_and_pages(world):
    boris = client_as(world, world["boris"])
    assert render(boris, "/tickets").status_code == 401
    grid = callback(boris, [("tickets-grid", "getRowsResponse"), ("tickets-count", "children")],
                    [("tickets-grid", "getRowsRequest", {"startRow": 0, "endRow": 100})],
                    [("tickets-filter", "data", {})])
    assert grid.status_code == 401
    assert boris.get("/tickets/export.csv").status_code in (302, 401)
    assert boris.get("/tickets").status_code == 302


def test_output_string_decides_not_the_outputs_list(world):
    """Dash runs the callback named by "output"; a portal-looking "outputs" list must not smuggle another one."""
    boris = client_as(world, world["boris"])
    token = boris.get_cookie("_csrf_token").value
    body = {"output": "..tickets-grid.getRowsResponse...tickets-count.children..",
            "outputs": [{"id": "portal-x", "property": "children"}, {"id": "portal-y", "property": "children"}],
            "inputs": [{"id": "tickets-grid", "property": "getRowsRequest", "value": {"startRow": 0, "endRow": 100}}],
            "state": [{"id": "tickets-filter", "property": "data", "value": {}}], "changedPropIds": []}
    res = boris.post("/_dash-update-component", data=json.dumps(body),
                     headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert res.status_code == 401


def test_signed_out_visitor_gets_nothing(world):
    nobody = client_as(world, None)
    assert render(nobody, f"/portal/request/{world['number']}").status_code == 401
    assert nobody.get("/portal").headers["Location"].endswith("/portal/login")
    assert nobody.get(f"/portal/file/{world['attachment']}").status_code == 302


def test_files_only_for_their_owner(world):
    assert client_as(world, world["boris"]).get(f"/portal/file/{world['attachment']}").status_code == 404
    res = client_as(world, world["anna"]).get(f"/portal/file/{world['attachment']}")
    assert res.status_code == 200 and res.data == b"%PDF" and "salary.pdf" in res.headers["Content-Disposition"]
