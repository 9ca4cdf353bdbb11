"""The knowledge base on the card: an agent finds a published article from the reply box and inserts its link or
its text into the reply; "→ article" on the agent's own reply opens the editor with a draft made from it (the
ticket's title and service, the reply's text), which saves as a draft."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from data import kb
from data.db import session_scope
from data.intake import submit as intake
from data.models import Article
from data.tickets import actions as tickets
from tests import factories as f
from tests.e2e.conftest import login


def test_an_agent_inserts_an_article_and_turns_a_reply_into_a_draft(page, live_server):
    tag = uuid.uuid4().hex[:6]
    device = f"ламинатор{tag}"
    with session_scope() as s:
        team = f.team(s)
        agent = f.user(s, "agent", team, email=f"kb.reply.{tag}@example.com")
        board = f.board(s, team, agents=[agent])
        service = f.service(s, board, code=f"kb{tag}", name=f"Офис {tag}")
        requester = f.requester(s, email=f"req.{tag}@example.com")
        ticket = intake.submit(s, requester, service_id=service.id, title=f"Не включается {device}", channel="email")
        tickets.comment(s, agent, ticket.id, f"Проверьте, что {device} подключён к розетке.", public=True)
        article = kb.save(s, agent, title=f"{device} не включается", body=f"Нажмите кнопку питания на {device}.")
        kb.publish(s, agent, article.id)
        draft = kb.save(s, agent, title=f"{device}: черновик", body="не для ответа")
        number, article_id, draft_id, service_id = ticket.number, article.id, draft.id, service.id
    login(page, live_server, agent.email, f.PASSWORD)
    page.goto(f"{live_server}/ticket/{number}")
    page.wait_for_selector("#tk-kb-q")
    page.fill("#tk-reply", "Добрый день!")
    page.fill("#tk-kb-q", device)
    page.press("#tk-kb-q", "Enter")
    page.locator("#tk-kb-pick option", has_text=f"{device} не включается").wait_for(state="attached")
    assert page.locator("#tk-kb-pick option", has_text="черновик").count() == 0  # drafts never go to requesters
    page.click("#tk-kb-link")
    page.wait_for_function("() => document.querySelector('#tk-reply').value.includes('/portal/kb/')")
    reply = page.input_value("#tk-reply")
    assert reply.startswith("Добрый день!\n\n") and reply.endswith(f"{device} не включается: "
                                                                   f"{kb.portal_url(article_id)}")
    page.click("#tk-kb-text")
    page.wait_for_function("() => document.querySelector('#tk-reply').value.includes('Нажмите кнопку питания')")

    page.locator(".okno-to-article").first.click()
    page.wait_for_url(re.compile(r"/kb/edit\?from_comment=\d+$"))
    page.wait_for_selector("#kb-edit-title")
    assert page.input_value("#kb-edit-title") == f"Не включается {device}"
    assert page.input_value("#kb-edit-body") == f"Проверьте, что {device} подключён к розетке."
    page.click("#kb-edit-save")
    page.wait_for_url(re.compile(r"/kb/edit\?id=\d+$"))
    assert page.inner_text("#kb-edit-state") == "Черновик"
    with session_scope() as s:
        made = s.scalar(select(Article).where(Article.title == f"Не включается {device}"))
        assert (made.state, made.service_id, made.author_id) == ("draft", service_id, agent.id)
        for row in (made, s.get(Article, article_id), s.get(Article, draft_id)):
            s.delete(row)
    assert not [e for e in page.console_errors if "favicon" not in e]
