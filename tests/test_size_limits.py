"""Size limits on text people type (data/limits.py): a 10 MB title, reply, description or checklist item is
refused with a message naming the field and the limit — by the services, by the web-form API (a 400 with
`fields`), on the card page — and the limits come from the configuration, never above the database's."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from data import limits
from data.boards import setup as boards
from data.db import read_session, session_scope
from data.errors import ValidationError
from data.intake import submit as requests
from data.models import ChecklistItem, Comment, Ticket
from data.tickets import actions as tickets
from data.tickets import checklists
from tests import factories as f
from tests.dash_support import load_user, signed_in
from tests.portal_factories import PRINTER_FIELDS, request_type

TEN_MB = "я" * (10 * 1024 * 1024)


@pytest.fixture
def desk(session):
    team = f.team(session)
    agent, lead = f.user(session, "agent", team), f.user(session, "manager", team)
    board = f.board(session, team)
    card = tickets.create(session, agent, title="Printer", board_id=board.id)
    return dict(agent=agent, lead=lead, board=board, card=card)


def test_a_10_mb_title_is_refused_naming_the_field_and_the_limit(session, desk):
    with pytest.raises(ValidationError) as err:
        tickets.create(session, desk["agent"], title=TEN_MB, board_id=desk["board"].id)
    assert err.value.fields == {"title": "At most 500 characters"}
    assert str(err.value) == "The title is too long: at most 500 characters can be saved."
    assert err.value.message("ru") == "Заголовок: слишком длинный текст, можно сохранить не больше 500 символов."
    tickets.create(session, desk["agent"], title="x" * 500, board_id=desk["board"].id)  # the limit itself is fine


def test_a_10_mb_reply_note_and_description_are_refused(session, desk):
    for public in (True, False):
        with pytest.raises(ValidationError) as err:
            tickets.comment(session, desk["agent"], desk["card"].id, TEN_MB, public=public)
        assert err.value.fields == {"body": "At most 100,000 characters"}
        assert err.value.message("ru") == ("Сообщение: слишком длинный текст, можно сохранить не больше "
                                           "100\u00a0000 символов.")
    with pytest.raises(ValidationError) as err:
        tickets.create(session, desk["agent"], title="Long", description=TEN_MB, board_id=desk["board"].id)
    assert err.value.fields == {"description": "At most 100,000 characters"}
    assert session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == desk["card"].id)) == 0


def test_a_10_mb_checklist_item_is_refused(session, desk):
    with pytest.raises(ValidationError) as err:
        checklists.add(session, desk["agent"], desk["card"].id, TEN_MB)
    assert err.value.fields == {"text": "At most 1,000 characters"}
    assert str(err.value) == "A checklist item is too long: at most 1,000 characters can be saved."
    assert checklists.add(session, desk["agent"], desk["card"].id, "x" * 1000).text == "x" * 1000  # not cut


def test_a_block_reason_and_a_column_name_are_limited_too(session, desk):
    with pytest.raises(ValidationError) as err:
        tickets.set_blocked(session, desk["agent"], desk["card"].id, True, TEN_MB)
    assert err.value.fields == {"reason": "At most 100,000 characters"}
    with pytest.raises(ValidationError) as err:
        boards.save_column(session, desk["lead"], desk["board"].id, name="x" * 121, kind="queue")
    assert err.value.fields == {"name": "At most 120 characters"}


def test_a_requests_form_values_and_title_are_limited(session, desk):
    service = f.service(session, desk["board"])
    rt = request_type(session, service, fields=PRINTER_FIELDS + [{"key": "details", "type": "textarea", "label": "Details"}])
    requester = f.requester(session, email=f"r{uuid.uuid4().hex[:6]}@corp.example")
    with pytest.raises(ValidationError) as err:
        requests.submit(session, requester, service_id=service.id, request_type_id=rt.id, title="Printer",
                        values={"remote_help": True, "topic": "Printer", "details": TEN_MB}, channel="portal")
    assert err.value.fields["details"] == "At most 10,000 characters"
    with pytest.raises(ValidationError) as err:
        requests.submit(session, requester, service_id=service.id, title=TEN_MB, channel="portal")
    assert err.value.fields == {"title": "At most 500 characters"}


def test_the_limits_come_from_the_configuration_and_never_exceed_the_databases(session, desk, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_TITLE_CHARS", "20")
    monkeypatch.setenv("OKNO_MAX_CHECKLIST_ITEM_CHARS", "1")
    with pytest.raises(ValidationError) as err:
        tickets.create(session, desk["agent"], title="x" * 21, board_id=desk["board"].id)
    assert err.value.fields == {"title": "At most 20 characters"}
    with pytest.raises(ValidationError) as err:
        checklists.add(session, desk["agent"], desk["card"].id, "ab")
    assert err.value.fields == {"text": "At most 1 character"}
    assert err.value.message("ru") == "Пункт чек-листа: слишком длинный текст, можно сохранить не больше 1 символа."
    monkeypatch.setenv("OKNO_MAX_TITLE_CHARS", "50000")
    monkeypatch.setenv("OKNO_MAX_TEXT_CHARS", "0")
    assert limits.limit("title") == limits.DB_MAX["title"] == 1000  # the schema's column holds 1000
    assert limits.limit("text") == 1


def test_a_channel_clips_what_it_must_not_refuse():
    assert limits.clip("short", "title") == "short"
    clipped = limits.clip(TEN_MB, "text")
    assert len(clipped) == 100_000 and clipped.endswith("…")
    assert limits.html("<p>x</p>") == "<p>x</p>" and limits.html("x" * (limits.HTML_DB_MAX + 1)) is None


# --- through the web-form API and the card page -----------------------------------------------------------

@pytest.fixture(scope="module")
def api(app):
    from data.catalog import integrations
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"Limits {tag}")
        agent, admin = f.user(s, "agent", team), f.user(s, "admin")
        board = f.board(s, team, agents=[agent])
        service = f.service(s, board, code=f"lim{tag}")
        card = tickets.create(s, agent, title=f"Card {tag}", board_id=board.id)
        _row, token = integrations.create_token(s, admin, "Intranet", service.id)
        ids = dict(code=service.code, agent=agent.id, number=card.number, ticket=card.id)
    return dict(client=app.test_client(), token=token, **ids)


def post(api, **body):
    return api["client"].post("/api/v1/requests", json={"email": "web@corp.example", "service": api["code"], **body},
                              headers={"Authorization": f"Bearer {api['token']}"})


@pytest.mark.parametrize("field, limit", [("title", 500), ("description", 100_000)])
def test_the_api_refuses_10_mb_with_a_400_naming_the_field(api, field, limit):
    with read_session() as s:
        before = s.scalar(select(func.count()).select_from(Ticket))
    res = post(api, **{field: "x" * len(TEN_MB), "locale": "en"})  # ASCII: JSON escapes "я" as six bytes
    assert res.status_code == 400
    assert res.json["fields"] == {field: f"at most {limit} characters"}
    assert res.json["error"]
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == before


def test_the_openapi_document_states_the_configured_limits(api):
    doc = api["client"].get("/api/v1/openapi.json").json
    props = doc["components"]["schemas"]["NewRequest"]["properties"]
    assert (props["title"]["maxLength"], props["description"]["maxLength"]) == (500, 100_000)


def test_the_card_page_shows_the_refusal_and_stores_nothing(app, api):
    from components.i18n import current_locale
    from pages import ticket as page
    with signed_in(app, load_user(api["agent"])):
        outcome = page.send_reply(1, api["number"], TEN_MB)[0]  # [0]: the outcome; the rest redraws the reply
        assert outcome["color"] == "danger"
        assert outcome["text"] == limits.too_long("body", 100_000).message(current_locale())
        outcome = page.add_check(1, api["number"], TEN_MB)
        assert outcome["color"] == "danger" and "1" in outcome["text"]
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == api["ticket"])) == 0
        assert s.scalar(select(func.count()).select_from(ChecklistItem)
                        .where(ChecklistItem.ticket_id == api["ticket"])) == 0
