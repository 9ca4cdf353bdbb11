"""A requester types "не работает принтер" as the subject of a new request, sees the printer article among
the suggestions, marks it "this solved it": a thank-you, no request filed, and the deflection counted."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from data import kb
from data.db import session_scope
from data.models import Article, ArticleDeflection, Requester, Ticket
from tests import factories as f
from tests.e2e.test_portal import choose, pin_from_smtp, smtp  # noqa: F401 — smtp is a fixture


@pytest.fixture
def articles(live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        team = f.team(s, name=f"KB team {tag}")
        agent = f.user(s, "agent", team)
        service = f.service(s, f.board(s, team, name=f"KB queue {tag}"), name=f"IT-поддержка {tag}")
        service.allowed_domains = ["corp.example"]
        printer = kb.save(s, agent, title=f"Принтер не печатает {tag}", service_id=service.id,
                          body="Проверьте бумагу в лотке и очередь печати.")
        kb.publish(s, agent, printer.id)
        draft = kb.save(s, agent, title=f"Принтер: черновик {tag}", body="принтер")  # never suggested
        return dict(tag=tag, service=service.name, printer=printer.id, draft=draft.id, title=printer.title)


def test_a_suggested_article_solves_it_and_no_request_is_filed(page, live_server, articles, smtp):  # noqa: F811
    address = f"kb.{articles['tag']}@corp.example"
    page.goto(live_server + "/portal/login")
    page.fill("#portal-email", address)
    page.click("#portal-send")
    page.fill("#portal-pin", pin_from_smtp(smtp, address))
    page.click("#portal-verify")
    page.wait_for_selector("#portal-empty")

    page.goto(live_server + "/portal/new")
    choose(page, "#portal-new-service", articles["service"])
    page.locator("#portal-new-title").wait_for()
    page.locator("#portal-new-title").press_sequentially("не работает принтер", delay=30)
    suggestion = page.locator(".portal-kb-suggestion", has_text=articles["title"])
    suggestion.wait_for()
    assert page.locator(".portal-kb-suggestion", has_text="черновик").count() == 0
    suggestion.get_by_role("button", name="Это решило мой вопрос").click()
    page.wait_for_selector("#portal-new-kb-thanks")
    assert "Рады, что помогло" in page.inner_text("#portal-new-kb-thanks")
    assert page.locator("#portal-new-submit").count() == 0  # the form is gone: nothing left to submit

    # The knowledge base in the portal: the printer article is there, the draft is not; reading counts a view.
    page.click("#portal-nav-kb")
    page.locator(".portal-kb-item", has_text=articles["title"]).wait_for()
    assert page.locator(".portal-kb-item", has_text="черновик").count() == 0
    page.click(f"text={articles['title']}")
    page.wait_for_selector("#portal-kb-body")
    assert "Проверьте бумагу в лотке" in page.inner_text("#portal-kb-body")

    with session_scope() as s:
        assert s.get(Article, articles["printer"]).views == 1
        requester = s.scalar(select(Requester).where(Requester.email == address))
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.requester_id == requester.id)) == 0
        rows = s.execute(select(ArticleDeflection.article_id, ArticleDeflection.channel)
                         .where(ArticleDeflection.requester_id == requester.id)).all()
        assert rows == [(articles["printer"], "portal")]
        assert kb.deflection_counts(s, [articles["printer"]]) == {articles["printer"]: 1}
        s.execute(Article.__table__.delete().where(Article.id.in_([articles["printer"], articles["draft"]])))
    assert not [e for e in page.console_errors if "favicon" not in e]
