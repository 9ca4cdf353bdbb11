"""The knowledge base's service: writing (who may, audited), what requesters may read, the ranked search in
Russian and English with typos forgiven, suggestions for a new request's subject, deflections and safe HTML."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data import kb
from data.errors import NotFound, PermissionDenied, ValidationError
from data.models import ArticleDeflection, AuditEntry
from data.tickets.search import has_trgm, marked
from tests import factories as f

PRINTER = "Принтер не печатает"
PRINTER_BODY = "Проверьте, что принтер включён и в лотке есть бумага. Снимите задание из очереди печати."


@pytest.fixture
def desk(session):
    team = f.team(session)
    agent = f.user(session, "agent", team)
    writers = [agent, f.user(session, "manager", team), f.user(session, "admin")]
    analyst = f.user(session, "analyst")
    requester = f.requester(session, email="kb.reader@corp.example")
    return dict(agent=agent, writers=writers, analyst=analyst, requester=requester)


def _published(session, user, title, body="", visibility="requesters"):
    article = kb.save(session, user, title=title, body=body, visibility=visibility)
    return kb.publish(session, user, article.id)


def _titles(results):
    return [r["title"] for r in results]


def test_the_printer_article_is_found_by_the_requesters_words_a_typo_and_in_english(session, desk):
    agent = desk["agent"]
    _published(session, agent, PRINTER, PRINTER_BODY)
    _published(session, agent, "VPN не подключается из дома", "Откройте клиент VPN и войдите заново.")
    _published(session, agent, "Как оформить отпуск", "Заявление на отпуск подаётся за две недели.")
    _published(session, agent, "Printer shows offline", "Restart the print spooler and check the cable.")

    assert _titles(kb.search(session, "Не печатает принтер"))[0] == PRINTER
    assert _titles(kb.suggest(session, "не работает принтер"))[0] == PRINTER
    if has_trgm(session):  # typos: corrected against the articles' words (where the server has pg_trgm)
        assert _titles(kb.search(session, "принтр"))[0] == PRINTER
        assert _titles(kb.suggest(session, "не пичатает принтр"))[0] == PRINTER
    assert _titles(kb.search(session, "printing offline"))[0] == "Printer shows offline"
    assert _titles(kb.search(session, "впн дома"))[0] == "VPN не подключается из дома"
    assert kb.search(session, "зарплата") == [] and kb.suggest(session, "пр") == []
    snippet = kb.search(session, "бумага")[0]["snippet"]
    assert [piece for piece, hit in marked(snippet) if hit] == ["бумага"]


def test_requesters_never_see_drafts_or_staff_only_articles(session, desk):
    agent, requester = desk["agent"], desk["requester"]
    draft = kb.save(session, agent, title="Принтер: черновик", body="принтер")
    staff = _published(session, agent, "Принтер: сброс драйвера (для инженеров)", "принтер", visibility="staff")
    public = _published(session, agent, PRINTER, PRINTER_BODY)

    assert _titles(kb.search(session, "принтер")) == [PRINTER]
    assert _titles(kb.suggest(session, "принтер")) == [PRINTER]
    assert [a.title for a in kb.listing(session, requester)] == [PRINTER]
    for hidden in (draft, staff):
        with pytest.raises(NotFound):
            kb.get(session, requester, hidden.id)
        with pytest.raises(NotFound):
            kb.record_deflection(session, requester, hidden.id)
    assert kb.get(session, requester, public.id, count_view=True).title == PRINTER
    session.refresh(public)
    assert public.views == 1
    # Staff see all three, drafts included; an analyst reads but does not write.
    found = kb.search(session, "принтер", "staff", viewer=desk["analyst"])
    assert sorted(_titles(found)) == sorted([draft.title, staff.title, PRINTER])
    with pytest.raises(PermissionDenied):
        kb.search(session, "принтер", "staff", viewer=requester)


def test_writers_are_agents_managers_and_admins_and_every_change_is_audited(session, desk):
    for writer in desk["writers"]:
        article = kb.save(session, writer, title=f"Статья {writer.role}", body="Текст", tags="VPN, Удалёнка, vpn")
        assert (article.state, article.author_id, article.tags) == ("draft", writer.id, ["vpn", "удалёнка"])
        kb.save(session, writer, article.id, title=f"Статья {writer.role} (2)", body="Текст 2")
        kb.publish(session, writer, article.id)
        kb.save(session, writer, article.id, title=f"Статья {writer.role} (2)",
                body="Текст 2")  # saved again unchanged (the editor does so before publishing): no row
        assert kb.delete(session, writer, article.id)
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == writer.id)
                                  .order_by(AuditEntry.id)).all()
        assert actions == ["article.create", "article.update", "article.update", "article.delete"]
    for reader in (desk["analyst"], desk["requester"], None):
        with pytest.raises(PermissionDenied):
            kb.save(session, reader, title="Нельзя", body="")
    article = kb.save(session, desk["agent"], title="Моя статья")
    with pytest.raises(PermissionDenied):
        kb.publish(session, desk["analyst"], article.id)
    with pytest.raises(PermissionDenied):
        kb.delete(session, desk["analyst"], article.id)
    with pytest.raises(ValidationError) as err:
        kb.save(session, desk["agent"], title="  ", visibility="everyone")
    assert set(err.value.field_texts) == {"title", "visibility"}


def test_this_solved_it_is_counted_per_article(session, desk):
    article = _published(session, desk["agent"], PRINTER, PRINTER_BODY)
    kb.record_deflection(session, desk["requester"], article.id)
    kb.record_deflection(session, None, article.id, channel="telegram")
    assert kb.deflection_counts(session, [article.id]) == {article.id: 2}
    rows = session.scalars(select(ArticleDeflection).where(ArticleDeflection.article_id == article.id)).all()
    assert sorted(r.channel for r in rows) == ["portal", "telegram"]


def test_markdown_is_rendered_without_scripts_or_javascript_links():
    html = kb.to_html("# Принтер\n\n**Важно**: [инструкция](https://wiki.example/p)\n\n<script>alert(1)</script>\n\n"
                      "[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>Принтер</h1>" in html and "<strong>Важно</strong>" in html and "<table>" in html
    assert 'href="https://wiki.example/p"' in html
    # Raw HTML is shown as text, never as tags; a javascript: link is not made a link.
    assert "<script" not in html and "&lt;script&gt;" in html and "<img" not in html and 'href="javascript' not in html
    assert kb.to_html('<a href="javascript:alert(1)" onclick="x()">a</a>').count("<a") == 0
