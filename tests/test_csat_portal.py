"""The portal's rating widget: the requester sees the question on their resolved request and answers it
once; another requester's forged callback rates nothing."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from data.db import read_session, session_scope
from data.intake import requesters
from data.intake import submit as requests
from data.models import Rating
from data.tickets import actions as tickets
from tests import factories as f
from tests.test_portal_security import callback, client_as, render

OUTPUT = [("portal-rating-feedback", "children")]


def _send(client, number, score, comment=""):
    return callback(client, OUTPUT, [("portal-rating-send", "n_clicks", 1)],
                    [("portal-request-number", "data", number), ("portal-rating-score", "value", score),
                     ("portal-rating-comment", "value", comment)])


def test_portal_widget_rates_once_and_only_for_its_requester(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s)
        lead = f.user(s, "manager", team)
        board = f.board(s, team)
        service = f.service(s, board, name=f"Csat {tag}")
        anna = requesters.find_or_create_by_email(s, f"anna.{tag}@corp.example", "Anna")
        boris = requesters.find_or_create_by_email(s, f"boris.{tag}@corp.example", "Boris")
        t = requests.submit(s, anna, service_id=service.id, title=f"Монитор {tag}", channel="portal")
        tickets.move(s, lead, t.id, f.column(board, "done").id)
        world = dict(server=app, anna=anna.id, boris=boris.id, number=t.number, ticket=t.id)
    anna = client_as(world, world["anna"])
    page = render(anna, f"/portal/request/{world['number']}").text
    assert "portal-rating-card" in page
    boris = client_as(world, world["boris"])
    forged = _send(boris, world["number"], 1)
    assert "portal-rating-done" not in forged.text
    bad = _send(anna, world["number"], None)
    assert "Выберите оценку от 1 до 5." in json.dumps(bad.get_json(), ensure_ascii=False)
    done = _send(anna, world["number"], 5, "Спасибо")
    assert "portal-rating-done" in done.text
    with read_session() as s:
        assert s.scalar(select(Rating.score).where(Rating.ticket_id == world["ticket"])) == 5
    page = render(anna, f"/portal/request/{world['number']}").text
    assert "portal-rating-card" not in page and "portal-rating-given" in page
    assert "portal-rating-done" not in _send(anna, world["number"], 1).text
