"""What the admin pages load to edit: one rule, calendar, SLA policy, priority, mailbox; the catalog's
services, request types and column child cards. Admins only; a deleted item is NotFound."""
from __future__ import annotations

import pytest

from data.automation import admin as rules_admin
from data.catalog import admin as catalog_admin
from data.catalog import mailboxes
from data.errors import NotFound, PermissionDenied
from data.identity import accounts
from data.sla import admin as sla_admin
from data.tickets import priorities
from tests import factories as f
from tests.portal_factories import request_type

HOURS = {"mon": "09:00-18:00"}


def test_each_editable_item_is_loaded_for_admins_only(session):
    admin, manager = f.user(session, "admin"), f.user(session, "manager")
    b = f.board(session)
    svc = f.service(session, b)
    rule = rules_admin.save(session, admin, None, name="Wake up", trigger="no_activity",
                            trigger_options={"minutes": 30}, actions=[{"type": "escalate"}])
    cal = sla_admin.save_calendar(session, admin, None, name="Office hours", timezone="Europe/Berlin", hours=HOURS)
    policy = sla_admin.save_policy(session, admin, None, name="Everything", targets={"resolution": (120, None)})
    prio = priorities.save(session, admin, None, name_ru="Срочно", name_en="Urgent", color="#dc3545")
    box = mailboxes.save(session, admin, {"name": "Help", "kind": "imap", "address": "help@corp.example",
                                          "host": "imap.corp.example", "service_id": svc.id}, password="pw")
    loaders = [(rules_admin.get, rule, "name", "Wake up"), (sla_admin.get_calendar, cal, "name", "Office hours"),
               (sla_admin.get_policy, policy, "resolution_minutes", 120), (priorities.get, prio, "name_en", "Urgent"),
               (mailboxes.get, box, "address", "help@corp.example")]
    for load, item, field, value in loaders:
        assert getattr(load(session, admin, item.id), field) == value
        with pytest.raises(PermissionDenied):
            load(session, manager, item.id)
        with pytest.raises(NotFound):
            load(session, admin, item.id + 100000)


def test_catalog_lists_for_the_admin_pages(session):
    admin, agent = f.user(session, "admin"), f.user(session, "agent")
    b = f.board(session)
    svc = f.service(session, b, name="IT")
    off = f.service(session, b, name="Old")
    off.is_active = False
    first, second = request_type(session, svc, name="Printer"), request_type(session, svc, name="VPN")
    request_type(session, off, name="Not this service")
    assert {s.id for s in catalog_admin.services(session, admin)} >= {svc.id, off.id}  # switched-off ones too
    assert [t.id for t in catalog_admin.request_types(session, admin, svc.id)] == [first.id, second.id]
    column = f.column(b, "waiting")
    assert catalog_admin.column_fanout(session, admin, column.id) is None
    catalog_admin.save_column_fanout(session, admin, column.id, [{"board_id": b.id, "title": "Badge for #{number}"}],
                                     "chain")
    fan = catalog_admin.column_fanout(session, admin, column.id)
    assert fan.children_mode == "chain" and fan.children[0]["title"] == "Badge for #{number}"
    for read in (lambda u: catalog_admin.services(session, u),
                 lambda u: catalog_admin.request_types(session, u, svc.id),
                 lambda u: catalog_admin.column_fanout(session, u, column.id)):
        with pytest.raises(PermissionDenied):
            read(agent)


def test_active_user_is_the_signed_in_account_while_it_is_switched_on(session):
    agent = f.user(session, "agent")
    assert accounts.active_user(session, str(agent.id)).id == agent.id
    assert accounts.active_user(session, agent.id).id == agent.id
    assert accounts.active_user(session, "x") is None and accounts.active_user(session, None) is None
    agent.is_active = False
    session.flush()
    assert accounts.active_user(session, agent.id) is None
