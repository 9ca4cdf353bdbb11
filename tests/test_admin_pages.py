"""Admin and portal pages read through the services: layouts and callbacks run as functions by a signed-in user,
and the Edit buttons (callbacks that read `ctx`) over HTTP as the browser sends them."""
from __future__ import annotations

import json
import uuid

import pytest
from flask import session as cookie
from sqlalchemy import delete

from data.catalog import admin as catalog_admin
from data.catalog import mailboxes
from data.db import session_scope
from data.intake import requesters
from data.models import Priority
from data.tickets import priorities
from tests import factories as f
from tests.dash_support import callback_key, load_user, plain, post_callback, prop, sign_in, signed_in
from tests.portal_factories import PRINTER_FIELDS, request_type


@pytest.fixture(scope="module")
def catalog(app):
    """An admin, a board with two lanes, a service with two request types, another service with one."""
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"pages-admin-{tag}@example.com")
        board = f.board(s, agents=[f.user(s, name=f"Alice {tag}"), f.user(s, name=f"Bob {tag}")], name=f"Desk {tag}")
        svc, other = f.service(s, board, name=f"IT {tag}"), f.service(s, board, name=f"HR {tag}")
        printer, vpn = request_type(s, svc, name="Printer"), request_type(s, svc, name="VPN")
        foreign = request_type(s, other, name="Leave")
        waiting = f.column(board, "waiting")
        catalog_admin.save_column_fanout(s, admin, waiting.id, [{"board_id": board.id, "title": "Badge #{number}"}],
                                         "chain")
        anna = requesters.find_or_create_by_email(s, f"anna-{tag}@corp.example", "Anna")
        ids = dict(admin=admin.id, email=admin.email, board=board.id, service=svc.id, service_name=svc.name,
                   printer=printer.id, vpn=vpn.id, foreign=foreign.id, waiting=waiting.id, anna=anna.id, tag=tag,
                   lanes=[f"Alice {tag}", f"Bob {tag}"])
    return dict(ids, user=load_user(ids["admin"]))


def labels(options) -> list[str]:
    return [o["label"] for o in options]


def test_services_page_edits_the_chosen_service(app, catalog):
    from pages.admin import services as page
    with signed_in(app, catalog["user"]):
        form = page.layout(id=str(catalog["service"]))
        assert prop(form, "admin-svc-name", "value") == catalog["service_name"]
        assert labels(prop(form, "admin-svc-column", "options"))[1:] == ["Queue", "In progress", "Waiting", "Done"]
        assert labels(prop(form, "admin-svc-lane", "options"))[1:] == catalog["lanes"]
        assert prop(page.layout(id="new"), "admin-svc-name", "value") == ""
        assert prop(page.layout(id="999999"), "admin-svc-name", "value") is None  # no such service: no form
        columns, lanes = page.board_changed(str(catalog["board"]))
        assert labels(lanes)[1:] == catalog["lanes"] and len(columns) == 5


def test_request_types_page_edits_only_a_type_of_the_chosen_service(app, catalog):
    from pages.admin import request_types as page
    with signed_in(app, catalog["user"]):
        form = page.layout(service=str(catalog["service"]), id=str(catalog["vpn"]))
        assert prop(form, "admin-rt-name", "value") == "VPN" and prop(form, "admin-rt-id", "data") == catalog["vpn"]
        assert prop(page.layout(service=str(catalog["service"]), id=str(catalog["foreign"])), "admin-rt-name",
                    "value") is None
        assert prop(page.layout(service=str(catalog["service"]), id="new"), "admin-rt-name", "value") == ""


def test_a_routing_rule_picks_its_field_from_the_forms_fields(app, catalog):
    from pages.admin import request_types as page
    with session_scope() as s:
        from data.models import RequestType
        rt = s.get(RequestType, catalog["printer"])
        rt.routing = {"rules": [{"field": "topic", "equals": "Printer", "card_type": "Hardware"},
                                {"field": "gone", "equals": "x"}]}
    with signed_in(app, catalog["user"]):
        form = page.layout(service=str(catalog["service"]), id=str(catalog["printer"]))
    first = {"type": "admin-rule-field", "i": 0}
    options = prop(form, first, "options")
    assert prop(form, first, "value") == "topic" and {"value": "topic", "label": "Topic (topic)"} in options
    assert [o["value"] for o in options] == ["", *(f["key"] for f in PRINTER_FIELDS)]  # the form's, not typed
    kept = prop(form, {"type": "admin-rule-field", "i": 1}, "options")[-1]
    assert kept["value"] == "gone" and "нет в форме" in kept["label"]  # a vanished field is shown, not lost
    assert "Метка" in str(plain(form))  # the card type is explained
    with signed_in(app, catalog["user"]):  # a field added above is offered in every rule at once
        refreshed = page.rule_fields_follow_the_form(["topic", "floor"], ["Тема", "Этаж"], ["topic", ""])
    assert [o["value"] for o in refreshed[1]] == ["", "topic", "floor"] and refreshed[1][2]["label"] == "Этаж (floor)"


def test_column_children_page_shows_the_saved_setting(app, catalog):
    from pages.admin import column_children as page
    with signed_in(app, catalog["user"]):
        form = page.layout(column=str(catalog["waiting"]))
        assert prop(form, "admin-col-mode", "value") == "chain"
        assert "Badge #{number}" in str(prop(form, "admin-col-children", "children"))


def test_portal_form_offers_the_types_of_the_chosen_service(app, catalog):
    from pages.portal import new as page
    with app.test_request_context("/portal/new"):
        cookie["portal_requester_id"] = catalog["anna"]
        options, chosen, _help = page.service_chosen(catalog["service"])
        assert labels(options) == ["Printer", "VPN"] and chosen is None
        form, schema, *_rest = page.type_chosen(catalog["printer"], catalog["service"])
        assert schema and form
        assert page.type_chosen(catalog["foreign"], catalog["service"])[1] == []  # another service's type


@pytest.fixture
def client(app, catalog):
    with app.test_client() as c:
        sign_in(c, catalog["email"], f.PASSWORD)
        yield c


@pytest.fixture
def priority(catalog):
    with session_scope() as s:
        p = priorities.save(s, catalog["user"], None, name_ru=f"Срочно {catalog['tag']}", name_en="Urgent",
                            color="#dc3545")
        pid = p.id
    yield pid
    with session_scope() as s:  # other tests expect the priority list they made (e.g. the defaults)
        s.execute(delete(Priority).where(Priority.id == pid))


def test_edit_fills_the_priority_form(client, priority, catalog):
    fields = [{"id": {"type": "prio-f", "key": k}, "property": "value"} for k in ("name_ru", "name_en", "color")]
    clicked = {"type": "prio-edit", "id": priority}
    answer = post_callback(client, callback_key("prio-id.data@"),
                           outputs=[fields, {"id": "prio-id", "property": "data"},
                                    {"id": "prio-list", "property": "children"},
                                    {"id": "prio-discard", "property": "is_open"},
                                    {"id": "prio-reset", "property": "data"}],
                           inputs=[[{"id": clicked, "property": "n_clicks", "value": 1}], [],
                                   {"id": "prio-new", "property": "n_clicks", "value": None},
                                   {"id": "prio-discard-yes", "property": "n_clicks", "value": None}],
                           states=[{"id": "prio-dirty", "property": "data", "value": True}],
                           changed=(clicked, "n_clicks"))
    filled = answer["response"]  # keyed by each component's id as a JSON string
    assert filled["prio-id"]["data"] == priority
    form = {json.loads(key)["key"]: part["value"] for key, part in filled.items() if "prio-f" in key}
    assert form == {"name_ru": f"Срочно {catalog['tag']}", "name_en": "Urgent", "color": "#dc3545"}
    assert filled["prio-discard"]["is_open"] is False  # Edit fills the form; only New asks over unsaved changes


def test_new_over_unsaved_changes_asks_first(client, catalog):
    fields = [{"id": {"type": "prio-f", "key": k}, "property": "value"} for k in ("name_ru", "name_en", "color")]
    outputs = [fields, {"id": "prio-id", "property": "data"}, {"id": "prio-list", "property": "children"},
               {"id": "prio-discard", "property": "is_open"}, {"id": "prio-reset", "property": "data"}]

    def click(button, dirty):
        inputs = [[], [], {"id": "prio-new", "property": "n_clicks", "value": 1 if button == "prio-new" else None},
                  {"id": "prio-discard-yes", "property": "n_clicks", "value": 1 if button != "prio-new" else None}]
        return post_callback(client, callback_key("prio-id.data@"), outputs=outputs, inputs=inputs,
                             states=[{"id": "prio-dirty", "property": "data", "value": dirty}],
                             changed=(button, "n_clicks"))["response"]
    asked = click("prio-new", dirty=True)
    assert asked["prio-discard"]["is_open"] is True and not any("prio-f" in key for key in asked)  # nothing cleared
    cleared = click("prio-discard-yes", dirty=True)
    assert cleared["prio-discard"]["is_open"] is False and any("prio-f" in key for key in cleared)
    assert click("prio-new", dirty=False)["prio-discard"]["is_open"] is False  # nothing typed: no question


def test_edit_fills_the_mailbox_form(client, catalog):
    from pages.admin import mailboxes as page
    address = f"help-{catalog['tag']}@corp.example"
    with session_scope() as s:
        box_id = mailboxes.save(s, catalog["user"], {"name": "Help", "kind": "imap", "address": address,
                                                     "host": "imap.corp.example", "service_id": catalog["service"],
                                                     "enabled": False}, password="secret").id
    names = [field for field, _l, _k in page.FIELDS] + [field for field, _l in page.SWITCHES]
    clicked = {"type": "mbx-edit", "id": box_id}
    answer = post_callback(client, callback_key("mbx-editing.data...mbx-form-title.children.."),
                           outputs=[{"id": f"mbx-{n}", "property": "value"} for n in names] +
                                   [{"id": "mbx-editing", "property": "data"},
                                    {"id": "mbx-form-title", "property": "children"}],
                           inputs=[[{"id": clicked, "property": "n_clicks", "value": 1}]],
                           changed=(clicked, "n_clicks"))
    filled = answer["response"]
    assert filled["mbx-address"]["value"] == address and filled["mbx-host"]["value"] == "imap.corp.example"
    assert filled["mbx-enabled"]["value"] is False and filled["mbx-editing"]["data"] == box_id
    assert "secret" not in str(filled)  # the password never goes to the browser


def test_saving_a_new_mailbox_titles_the_form_with_its_name(app, catalog):
    from pages.admin import mailboxes as page
    address = f"desk-{catalog['tag']}@corp.example"
    typed = {"name": f"Desk {catalog['tag']}", "kind": "imap", "address": address, "host": "imap.corp.example",
             "service_id": str(catalog["service"])}
    states = [typed.get(f) for f, _l, _k in page.FIELDS] + [True, True, False] + ["secret", None]
    with signed_in(app, catalog["user"]):
        out = page.save(1, *states)
    editing, title = out[-2:]
    assert title == f"Изменить: Desk {catalog['tag']}" and isinstance(editing, int)  # no longer "Новый ящик"
    states[-1] = editing
    with signed_in(app, catalog["user"]):
        again = page.save(2, *states)  # Save again updates the same mailbox instead of refusing the address
    assert again[0].color == "success" and again[-2] == editing
