"""A declined request is not a done one: the requester sees it in grey under its own label, whether an approver
rejected it or an agent moved it to a board's "declined" done column (board_columns.outcome, adminforms_0001)."""
from __future__ import annotations

import uuid

import pytest
from flask import session as cookie

from data.approvals import config as approval_config
from data.approvals import decide
from data.boards import setup as boards
from data.db import session_scope
from data.errors import ValidationError
from data.intake import portal, requesters
from data.intake import submit as intake
from data.models import TicketApproval
from data.tickets import actions as tickets
from tests import factories as f
from tests.dash_support import prop
from tests.portal_factories import desk, request_type


def _declined_column(session, lead, board, name="Отклонено"):
    return boards.save_column(session, lead, board.id, name=name, kind="done", requester_status=None,
                              outcome="declined")


def test_moved_to_a_declined_column_reads_declined_not_done(session):
    d = desk(session)
    declined = _declined_column(session, d["lead"], d["board"])
    req = requesters.find_or_create_by_email(session, f"ivan-{uuid.uuid4().hex[:6]}@example.com", "Иван")
    done_t = intake.submit(session, req, service_id=d["service"].id, title="Сделано", channel="portal")
    no_t = intake.submit(session, req, service_id=d["service"].id, title="Не будем", channel="portal")
    tickets.move(session, d["lead"], done_t.id, f.column(d["board"], "done").id)
    tickets.move(session, d["lead"], no_t.id, declined.id)
    mine = {r["title"]: (r["outcome"], r["status_label"]) for r in portal.my_requests(session, req, "ru")}
    assert mine["Сделано"][0] == "done" and mine["Не будем"] == ("declined", "Отклонена")
    assert mine["Сделано"][1] != "Отклонена"
    assert portal.request_view(session, req, no_t.number, "en")["status_label"] == "Declined"
    boards.save_column(session, d["lead"], d["board"].id, column_id=declined.id, name="Отклонено", kind="done",
                       requester_status="Отказано", outcome="declined")
    assert portal.request_view(session, req, no_t.number, "ru")["status_label"] == "Отказано"  # the column's own


def test_the_outcome_belongs_to_done_columns_only(session):
    d = desk(session)
    with pytest.raises(ValidationError):
        boards.save_column(session, d["lead"], d["board"].id, name="X", kind="done", outcome="maybe")
    col = boards.save_column(session, d["lead"], d["board"].id, name="Архив", kind="done")
    assert col.outcome == "done"
    col = boards.save_column(session, d["lead"], d["board"].id, column_id=col.id, name="Архив", kind="waiting",
                             outcome="declined")
    assert col.outcome is None


def test_a_rejected_approval_goes_to_the_declined_column_and_reads_declined(session):
    d = desk(session)
    declined = _declined_column(session, d["lead"], d["board"])
    boss = f.user(session, "director")
    rt = request_type(session, d["service"], fields=[], name="Отпуск")
    approval_config.save(session, f.user(session, "admin"), rt.id, {"steps": [{"kind": "person", "ref": boss.id}]})
    req = requesters.find_or_create_by_email(session, f"olga-{uuid.uuid4().hex[:6]}@example.com", "Ольга")
    t = intake.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="Отпуск", channel="portal")
    row = session.query(TicketApproval).filter_by(ticket_id=t.id).one()
    decide.decide(session, boss, row.id, "rejected", "Нет замены")
    session.refresh(t)
    assert t.column_id == declined.id
    view = portal.request_view(session, req, t.number, "ru")
    assert (view["outcome"], view["status_label"]) == ("declined", "Отклонена")


def test_without_a_declined_column_a_rejection_still_reads_declined(session):
    d = desk(session)
    boss = f.user(session, "director")
    rt = request_type(session, d["service"], fields=[], name="Отпуск")
    approval_config.save(session, f.user(session, "admin"), rt.id, {"steps": [{"kind": "person", "ref": boss.id}]})
    req = requesters.find_or_create_by_email(session, f"oleg-{uuid.uuid4().hex[:6]}@example.com", "Олег")
    t = intake.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="Отпуск", channel="portal")
    decide.decide(session, boss, session.query(TicketApproval).filter_by(ticket_id=t.id).one().id, "rejected")
    (mine,) = portal.my_requests(session, req, "en")
    assert (mine["status"], mine["outcome"], mine["status_label"]) == ("done", "declined", "Declined")


def test_the_portal_list_shows_declined_in_grey_and_done_in_green(app):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        d = desk(s)
        declined = _declined_column(s, d["lead"], d["board"])
        req = requesters.find_or_create_by_email(s, f"anna-{tag}@example.com", "Анна")
        done_t = intake.submit(s, req, service_id=d["service"].id, title=f"Готово {tag}", channel="portal")
        no_t = intake.submit(s, req, service_id=d["service"].id, title=f"Отказ {tag}", channel="portal")
        tickets.move(s, d["lead"], done_t.id, f.column(d["board"], "done").id)
        tickets.move(s, d["lead"], no_t.id, declined.id)
        req_id, numbers = req.id, (done_t.number, no_t.number)
    from pages.portal import home, request
    with app.test_request_context("/portal"):
        cookie["portal_requester_id"] = req_id
        page = home.layout()
        badges = [b for b in _badges(page)]
        assert ("Отклонена", "secondary") in badges and any(c == "success" for _l, c in badges)
        assert ("Отклонена", "success") not in badges
        view = request.layout(number=str(numbers[1]))
        assert prop(view, "portal-request-status", "color") == "secondary"
        assert prop(view, "portal-request-status", "children") == "Отклонена"
        assert prop(request.layout(number=str(numbers[0])), "portal-request-status", "color") == "success"


def _badges(component):
    from tests.dash_support import plain
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Badge":
                found.append((node["props"].get("children"), node["props"].get("color")))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(plain(component))
    return found
