"""Fan-out: child cards on other boards, in parallel or as a chain, with a roll-up on the parent."""
from __future__ import annotations

from sqlalchemy import select

from data.intake import requesters
from data.intake import submit as requests
from data.tickets import actions as tickets
from data.tickets.children import rollup
from data.models import ChecklistItem, Notification, Ticket
from tests import factories as f
from tests.portal_factories import desk, request_type

HIRE = [{"key": "employee", "type": "text", "label": "Employee", "required": True}]


def setup(session, mode):
    d = desk(session)
    payroll, admins = f.user(session, "agent", name="Payroll"), f.user(session, "agent", name="Admin")
    acc, it = f.board(session, name="Accounting", agents=[payroll]), f.board(session, name="IT")
    children = [{"board_id": acc.id, "title": "Payroll: {employee}", "card_type": "Payroll",
                 "checklist": [{"text": "Order received", "required_on_submit": False}], "assignee_id": payroll.id},
                {"board_id": it.id, "title": "Workplace for {employee} (#{number})", "card_type": "Workplace",
                 "checklist": ["Laptop", "Accounts"], "assignee_id": admins.id}]
    rt = request_type(session, d["service"], fields=HIRE, children=children, children_mode=mode, name="New hire")
    req = requesters.find_or_create_by_email(session, "hr@corp.example")
    parent = requests.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="New hire",
                             channel="portal", values={"employee": "Олег Иванов"})
    return d, parent, acc, it, payroll, admins


def kids(session, parent):
    return session.scalars(select(Ticket).where(Ticket.parent_id == parent.id).order_by(Ticket.id)).all()


def test_parallel_creates_all_children_with_checklists_and_assignees(session):
    d, parent, acc, it, payroll, admins = setup(session, "parallel")
    children = kids(session, parent)
    assert [(c.title, c.board_id, c.card_type, c.assignee_id) for c in children] == [
        ("Payroll: Олег Иванов", acc.id, "Payroll", payroll.id),
        (f"Workplace for Олег Иванов (#{parent.number})", it.id, "Workplace", admins.id)]
    assert children[0].lane_id == f.lane_of(acc, payroll).id
    checklist = session.scalars(select(ChecklistItem.text).where(ChecklistItem.ticket_id == children[1].id)
                                .order_by(ChecklistItem.position)).all()
    assert checklist == ["Laptop", "Accounts"]
    assert session.scalar(select(Notification.id).where(Notification.user_id == admins.id)) is not None
    assert rollup(session, parent)["done"] == 0 and rollup(session, parent)["total"] == 2
    tickets.move(session, d["lead"], children[0].id, f.column(acc, "done").id)
    roll = rollup(session, parent)
    assert roll["done"] == 1 and roll["children"][0]["status"] == "done"
    assert len(kids(session, parent)) == 2  # parallel: nothing more is created


def test_chain_creates_next_child_when_previous_is_done(session):
    d, parent, acc, it, payroll, admins = setup(session, "chain")
    first, = kids(session, parent)
    assert first.title == "Payroll: Олег Иванов"
    assert rollup(session, parent) | {"children": None} == {"done": 0, "total": 2, "children": None}
    tickets.move(session, d["lead"], first.id, f.column(acc, "in_progress").id)
    assert len(kids(session, parent)) == 1  # not done yet
    tickets.move(session, d["lead"], first.id, f.column(acc, "done").id)
    children = kids(session, parent)
    assert [c.board_id for c in children] == [acc.id, it.id] and children[1].assignee_id == admins.id
    tickets.move(session, d["lead"], first.id, f.column(acc, "queue").id)  # reopened and done again:
    tickets.move(session, d["lead"], first.id, f.column(acc, "done").id)
    assert len(kids(session, parent)) == 2  # no duplicate step
    tickets.move(session, d["lead"], children[1].id, f.column(it, "done").id)
    assert rollup(session, parent)["done"] == 2


def test_entering_a_column_creates_child_cards_once(session):
    from data.catalog import admin as catalog_admin
    d = desk(session)
    admin, payroll = f.user(session, "admin"), f.user(session, "agent", name="Payroll")
    acc = f.board(session, name="Accounting", agents=[payroll])
    offer = f.column(d["board"], "waiting")  # e.g. "Offer accepted"
    catalog_admin.save_column_fanout(session, admin, offer.id, [
        {"board_id": acc.id, "title": "Payroll for #{number}", "assignee_id": payroll.id},
        {"board_id": acc.id, "title": "Contract for #{number}", "checklist": ["Signed"]}], "chain")
    t = tickets.create(session, d["lead"], title="Hire Oleg", board_id=d["board"].id)
    assert kids(session, t) == []
    tickets.move(session, d["lead"], t.id, offer.id)
    first, = kids(session, t)
    assert first.title == f"Payroll for #{t.number}" and first.assignee_id == payroll.id
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "in_progress").id)
    tickets.move(session, d["lead"], t.id, offer.id)  # entering again: nothing new
    assert len(kids(session, t)) == 1 and rollup(session, t)["total"] == 2
    tickets.move(session, d["lead"], first.id, f.column(acc, "done").id)
    assert [c.title for c in kids(session, t)] == [f"Payroll for #{t.number}", f"Contract for #{t.number}"]
    assert catalog_admin.save_column_fanout(session, admin, offer.id, [], "parallel") is None
