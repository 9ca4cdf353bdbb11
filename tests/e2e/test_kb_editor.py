"""An agent writes an article at /kb: the preview shows the Markdown as readers will see it (raw HTML as text),
saving makes a draft, publishing makes it findable — by a typo too — and the change is in the audit log."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from data.db import session_scope
from data.models import Article, AuditEntry
from tests import factories as f
from tests.e2e.conftest import login


def test_an_agent_writes_previews_and_publishes_an_article(page, live_server):
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        agent = f.user(s, "agent", f.team(s), email=f"kb.writer.{tag}@example.com")
    login(page, live_server, agent.email, f.PASSWORD)
    page.goto(live_server + "/kb")
    page.click("#kb-new")
    page.wait_for_selector("#kb-edit-title")
    title = f"Картридж закончился {tag}"
    page.fill("#kb-edit-title", title)
    page.fill("#kb-edit-tags", "Принтер, картридж")
    page.fill("#kb-edit-body", "Закажите **картридж** через заявку.\n\n<script>alert(1)</script>")
    page.locator("#kb-edit-preview strong", has_text="картридж").wait_for()
    assert "<script>alert(1)</script>" in page.inner_text("#kb-edit-preview")  # shown as text, not run
    page.click("#kb-edit-save")
    page.wait_for_url(re.compile(r"/kb/edit\?id=\d+$"))
    assert page.inner_text("#kb-edit-state") == "Черновик"
    page.click("#kb-edit-publish")
    page.locator("#kb-edit-state", has_text="Опубликована").wait_for()

    page.goto(live_server + "/kb")
    page.fill("#kb-search", "картридж законч")
    page.locator(".kb-row", has_text=title).wait_for()
    with session_scope() as s:
        article = s.scalar(select(Article).where(Article.title == title))
        assert (article.state, article.author_id, article.tags) == ("published", agent.id, ["принтер", "картридж"])
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == agent.id,
                                                            AuditEntry.object_type == "articles")
                            .order_by(AuditEntry.id)).all()
        assert actions == ["article.create", "article.update"]
        s.delete(article)
    assert not [e for e in page.console_errors if "favicon" not in e]
