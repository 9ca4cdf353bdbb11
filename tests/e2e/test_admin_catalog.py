"""An admin builds a request type's form in the browser: adds fields with a show-when condition and a
required checklist item, sets routing, saves; a wrong value gets a clear message and nothing is saved."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from data.db import session_scope
from data.models import RequestType
from tests import factories as f
from tests.e2e.conftest import login


@pytest.fixture
def admin_desk(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        admin = f.user(s, "admin", email=f"admin-{tag}@example.com")
        team = f.team(s, name=f"Legal {tag}")
        lawyer = f.user(s, "agent", team, name=f"Юрист {tag}")
        service = f.service(s, f.board(s, team), name=f"Юристы {tag}")
        return dict(tag=tag, email=admin.email, service=service.id, lawyer=lawyer.id)


def field(n: int, part: str) -> str:
    return f"[id='{{\"i\":{n},\"type\":\"admin-field-{part}\"}}']"


def test_admin_builds_a_form(page, live_server, admin_desk):
    login(page, live_server, admin_desk["email"], f.PASSWORD)
    page.goto(f"{live_server}/admin")
    page.click("text=Типы заявок и формы")
    page.select_option("#admin-rt-service", str(admin_desk["service"]))
    page.click("#admin-rt-new")
    page.fill("#admin-rt-name", "Договор")
    page.fill("#admin-rt-code", "contract")
    page.click("#admin-rt-add-field")
    page.fill(field(0, "key"), "urgent")
    page.select_option(field(0, "type"), "checkbox")
    page.fill(field(0, "label"), "Срочно")
    page.click("#admin-rt-add-field")
    page.fill(field(1, "key"), "kind")
    page.select_option(field(1, "type"), "select")
    page.fill(field(1, "label"), "Вид договора")
    page.fill(field(1, "options"), "Поставка\nУслуги")
    page.fill(field(1, "when"), "urgent")
    page.fill(field(1, "equals"), "false")
    page.check(field(1, "required"))
    page.fill("#admin-rt-checklist", "!Приложены реквизиты\nПроверить контрагента")
    page.select_option("#admin-rt-assign", "fixed")
    page.select_option("#admin-rt-person", str(admin_desk["lawyer"]))

    page.fill(field(1, "when"), "nothing")  # a condition on a field that doesn't exist is refused
    page.click("#admin-rt-save")
    assert "неизвестное поле «nothing»" in page.locator("#admin-rt-error").inner_text()  # the admin reads Russian
    page.fill(field(1, "when"), "urgent")
    page.click("#admin-rt-save")
    page.wait_for_selector("#admin-rt-result .alert-success")
    with session_scope() as s:
        rt = s.scalar(select(RequestType).where(RequestType.service_id == admin_desk["service"]))
        assert rt.field_schema == [
            {"key": "urgent", "type": "checkbox", "label": "Срочно"},
            {"key": "kind", "type": "select", "label": "Вид договора", "required": True,
             "options": ["Поставка", "Услуги"], "show_when": {"field": "urgent", "equals": False}}]
        assert rt.checklist == [{"text": "Приложены реквизиты", "required_on_submit": True},
                                {"text": "Проверить контрагента", "required_on_submit": False}]
        assert rt.routing["assign"] == "fixed" and rt.routing["user_id"] == admin_desk["lawyer"]
    assert not [e for e in page.console_errors if "favicon" not in e]
