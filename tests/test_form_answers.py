"""What the requester filled in on the portal form, labelled, on the agent's card and in the ticket list."""
from __future__ import annotations

import uuid

from data.db import session_scope
from data.intake import answers, submit
from tests import factories as f
from tests import portal_factories as pf
from tests.dash_support import load_user, plain, signed_in

SCHEMA = [
    {"key": "remote_help", "type": "checkbox", "label": "Нужна удалённая помощь", "label_en": "Remote help"},
    {"key": "scope", "type": "select", "label": "Масштаб", "options": [
        {"value": "mass", "label": "Массовая", "label_en": "Mass"}, {"value": "local", "label": "Локальная"}]},
    {"key": "systems", "type": "multiselect", "label": "Системы", "options": ["CRM", "VPN"]},
    {"key": "copies", "type": "number", "label": "Копий"},
]


def test_answers_are_labelled_in_the_readers_language_in_form_order():
    values = {"copies": 2.0, "scope": "mass", "remote_help": True, "systems": ["CRM", "VPN"], "old_key": "kept"}
    ru = answers.labelled(SCHEMA, values, "ru")
    assert [(r["label"], r["value"]) for r in ru] == [
        ("Нужна удалённая помощь", "Да"), ("Масштаб", "Массовая"), ("Системы", "CRM, VPN"), ("Копий", "2"),
        ("old_key", "kept")]
    en = answers.labelled(SCHEMA, values, "en")
    assert [(r["label"], r["value"]) for r in en][:2] == [("Remote help", "Yes"), ("Масштаб", "Mass")]
    assert answers.summary(en[:2]) == "Remote help: Yes; Масштаб: Mass"


def test_empty_and_unticked_values_are_left_out():
    assert answers.labelled(SCHEMA, {"remote_help": False, "scope": None, "systems": []}, "ru") == []
    assert answers.labelled(None, None, "ru") == []


def _submitted(title: str, values: dict) -> tuple[int, int, int]:
    """A portal request with the printer form filled in: (its number, the team lead's id, its request type)."""
    with session_scope() as s:
        desk = pf.desk(s)
        rt = pf.request_type(s, desk["service"])
        req = f.requester(s, email=f"form-{uuid.uuid4().hex[:8]}@example.com")
        t = submit.submit(s, req, service_id=desk["service"].id, request_type_id=rt.id, title=title, values=values,
                          channel="portal")
        return t.number, desk["lead"].id, rt.id


def test_portal_submission_shows_on_the_agents_card(app):
    number, lead_id, _type_id = _submitted("Printer", {"remote_help": True, "topic": "Printer", "copies": 3, "systems": ["VPN"]})
    from components.ticket_detail import body
    with signed_in(app, load_user(lead_id)):
        page = str(plain(body(number)))
    for text in ("Remote help", "Topic", "Printer", "Copies", "3", "Systems", "VPN"):
        assert f"'{text}'" in page, text


def test_the_ticket_list_has_an_optional_form_fields_column(app):
    tag = uuid.uuid4().hex[:6]
    _number, lead_id, type_id = _submitted(f"Listed {tag}", {"topic": "Internet", "remote_help": True})
    from pages import tickets as page
    with signed_in(app, load_user(lead_id)):
        hidden = {c["field"]: c.get("hide") for c in page._column_defs()}
        assert hidden["form_fields"] is True
        assert {c["field"]: c.get("hide") for c in page.show_fields(True, {})}["form_fields"] is False
        # Filtered to one request type: a column per field of its form, labelled as on the form.
        per_field = {c["field"]: c["headerName"] for c in page.show_fields(True, {"type": str(type_id)})}
        assert "form_fields" not in per_field and per_field["f_topic"] == "Topic" and "f_photo" not in per_field
        response, _count = page.rows({"startRow": 0, "endRow": 100}, {"q": f"Listed {tag}"})
    [row] = response["rowData"]
    assert row["form_fields"] == "Remote help: Да; Topic: Internet"
    assert (row["f_topic"], row["f_remote_help"]) == ("Internet", "Да")
