"""Submitting requests: validation per field, show-when, checklist, attachments, domains, auto-reply, notifications."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.intake import requesters
from data.intake import submit as requests
from data.errors import ValidationError
from data.models import Attachment, ChecklistItem, Comment, Notification, Outbox
from tests import factories as f
from tests.portal_factories import desk, request_type


@pytest.fixture
def d(session):
    out = desk(session)
    out["rt"] = request_type(session, out["service"], routing={"assign": "fixed", "user_id": out["bob"].id})
    out["req"] = requesters.find_or_create_by_email(session, "ivan@corp.example", "Иван")
    return out


def submit(session, d, **kw):
    args = dict(service_id=d["service"].id, request_type_id=d["rt"].id, title="Help", channel="portal",
                values={"remote_help": True, "topic": "Printer"})
    args.update(kw)
    return requests.submit(session, d["req"], **args)


def test_validate_reports_every_bad_field(session, d):
    with pytest.raises(ValidationError) as err:
        requests.validate(session, d["rt"], {"topic": "Fax", "copies": "many", "since": "31.02.2024",
                                             "systems": ["CRM", "Teams"], "colour": "red"}, [])
    fields = err.value.field_messages("ru")  # the requester's language
    assert set(fields) == {"topic", "copies", "since", "systems", "colour", "location"}
    assert fields["colour"] == "Неизвестное поле" and fields["location"] == "Заполните это поле"
    assert "число" in fields["copies"]


def test_validate_in_english_and_cleans_values(session, d):
    cleaned = requests.validate(session, d["rt"], {"remote_help": "on", "topic": "Internet", "copies": "2,5",
                                                   "since": "2026-01-05", "systems": ["VPN", "CRM", "VPN"]}, [])
    assert cleaned == {"remote_help": True, "topic": "Internet", "copies": 2.5, "since": "2026-01-05",
                       "systems": ["CRM", "VPN"]}
    with pytest.raises(ValidationError) as err:
        requests.validate(session, d["rt"], {"topic": "Printer"}, [])
    assert err.value.field_messages("en") == {"location": "This field is required"}


def test_hidden_field_is_not_required_and_dropped(session, d):
    cleaned = requests.validate(session, d["rt"], {"remote_help": True, "location": "Room 5", "topic": "Printer"}, [])
    assert "location" not in cleaned
    shown = requests.validate(session, d["rt"], {"remote_help": False, "location": "Room 5", "topic": "Printer"}, [])
    assert shown["location"] == "Room 5"


def test_required_checklist_blocks_submit_and_is_copied(session, d):
    d["rt"].checklist = [{"text": "Details attached", "required_on_submit": True},
                         {"text": "Agent checks", "required_on_submit": False}]
    with pytest.raises(ValidationError) as err:
        submit(session, d)
    assert "checklist" in err.value.fields
    t = submit(session, d, checklist_confirmed=[0])
    items = session.scalars(select(ChecklistItem).where(ChecklistItem.ticket_id == t.id)
                            .order_by(ChecklistItem.position)).all()
    assert [(i.text, i.required, i.done) for i in items] == [("Details attached", True, True),
                                                             ("Agent checks", False, False)]


def test_submit_creates_card_with_routing_autoreply_and_notification(session, d):
    d["service"].auto_reply_template = "Ваша заявка #{number} принята"
    d["bob"].notify_channel = "email"
    t = submit(session, d)
    assert t.assignee_id == d["bob"].id and t.lane_id == f.lane_of(d["board"], d["bob"]).id
    assert t.card_type == "Question" and t.fields == {"remote_help": True, "topic": "Printer"}
    auto = session.scalar(select(Comment).where(Comment.ticket_id == t.id))
    assert auto.is_system and auto.body == f"Ваша заявка #{t.number} принята"
    rows = {o.kind: o for o in session.scalars(select(Outbox).where(Outbox.ticket_id == t.id))}
    assert rows["auto_reply"].recipient == "ivan@corp.example" and rows["auto_reply"].payload["auto_submitted"]
    assert rows["notification"].recipient == d["bob"].email
    assert session.scalar(select(Notification.text).where(Notification.user_id == d["bob"].id)).startswith("Вам назначена")
    assert t.first_response_at is None  # an auto-reply is not a response


def test_attachments_limits_and_storage(session, d, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_ATTACHMENT_MB", "1")
    with pytest.raises(ValidationError) as err:
        submit(session, d, attachments=[{"filename": "virus.exe", "content": b"MZ"}])
    assert "virus.exe" in err.value.fields["attachments"] and "pdf" in err.value.fields["attachments"]
    with pytest.raises(ValidationError) as err:
        submit(session, d, attachments=[{"filename": "big.pdf", "content": b"x" * (1024 * 1024 + 1)}])
    assert "1 МБ" in err.value.field_messages("ru")["attachments"]
    t = submit(session, d, attachments=[{"filename": "C:\\Users\\me\\photo.png", "content": b"png", "field": "photo"}])
    att = session.scalar(select(Attachment).where(Attachment.ticket_id == t.id))
    assert att.filename == "photo.png" and att.size == 3 and t.fields["photo"] == ["photo.png"]


def test_domain_allow_list(session, d):
    d["service"].allowed_domains = ["vostok.example"]
    with pytest.raises(ValidationError) as err:
        submit(session, d)
    assert "vostok.example" in err.value.fields["service"]
    d["req"] = requesters.find_or_create_by_email(session, "anna@Vostok.example")
    assert submit(session, d).id
    tg_only = requesters.find_or_create_by_telegram(session, 5551, "Пётр")
    assert requests.submit(session, tg_only, service_id=d["service"].id, request_type_id=d["rt"].id, title="x",
                           channel="telegram", values={"remote_help": True, "topic": "Other"}).id


def test_wrong_service_or_type_is_a_field_error(session, d):
    other = request_type(session, f.service(session, d["board"]))
    with pytest.raises(ValidationError) as err:
        submit(session, d, request_type_id=other.id)
    assert "request_type" in err.value.fields
    with pytest.raises(ValidationError) as err:
        submit(session, d, service_id=999999)
    assert "service" in err.value.fields
    with pytest.raises(ValidationError) as err:  # no type, no form: form values are unknown fields
        submit(session, d, request_type_id=None)
    assert err.value.field_messages("ru") == {"remote_help": "Неизвестное поле", "topic": "Неизвестное поле"}
    plain = submit(session, d, request_type_id=None, values=None, title="Письмо без типа", channel="email")
    assert plain.request_type_id is None and plain.card_type is None and plain.assignee_id is None
    with pytest.raises(ValidationError) as err:
        submit(session, d, values=["not", "a", "dict"])
    assert "values" in err.value.fields
