"""Knowledge-base suggestions in the Telegram bot, through the real worker against the loopback Bot API: a first
message shows matching published articles; "this solved it" files nothing and counts a deflection; "no, file my
request" files the message as before; writing on files both messages; a stale button files nothing."""
from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import delete, func, select

from data import kb
from data.db import read_session, session_scope
from data.models import Article, ArticleDeflection, RequesterIdentity, Ticket
from tests import factories as f
from tests.telegram_fake_api import callback
from tests.telegram_support import Chat, api, cat, worker  # noqa: F401


@pytest.fixture
def articles(engine):
    """Two published articles and a draft about a made-up device (its name is unique to this test)."""
    device = "плоттер" + uuid.uuid4().hex[:5]
    with session_scope() as s:
        agent = f.user(s, "agent")
        ids = []
        for title, publish in ((f"{device} не печатает", True), (f"{device} зажевал бумагу", True),
                               (f"{device}: черновик", False)):
            article = kb.save(s, agent, title=title, body=f"Перезагрузите {device}.")
            if publish:
                kb.publish(s, agent, article.id)
            ids.append(article.id)
    yield {"device": device, "printing": ids[0], "paper": ids[1], "draft": ids[2]}
    with session_scope() as s:
        s.execute(delete(Article).where(Article.id.in_(ids)))


def _tickets(chat_id: int) -> list[Ticket]:
    with read_session() as s:
        requester_id = s.scalar(select(RequesterIdentity.requester_id).where(
            RequesterIdentity.channel == "telegram", RequesterIdentity.address == str(chat_id)))
        found = list(s.scalars(select(Ticket).where(Ticket.requester_id == requester_id).order_by(Ticket.id)))
        s.expunge_all()
        return found


def test_an_article_solves_it_and_no_request_is_filed(api, cat, worker, articles):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    chat.send(f"Не печатает {articles['device']} в бухгалтерии")
    offer = chat.expect("Возможно, ответ уже есть в базе знаний")
    assert f"{articles['device']} не печатает" in offer["text"]
    assert f"/portal/kb/{articles['printing']}" in offer["text"]  # a link to the portal article
    assert "черновик" not in offer["text"]
    labels = [b["text"] for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[-1] == "Нет, зарегистрировать заявку" and len(labels) == 3
    chat.press("1: это решило мой вопрос")
    chat.expect("Рады, что помогло")
    assert _tickets(chat.chat_id) == []
    with read_session() as s:
        rows = s.execute(select(ArticleDeflection.article_id, ArticleDeflection.channel)
                         .where(ArticleDeflection.article_id.in_([articles["printing"], articles["paper"]]))).all()
    assert rows == [(articles["printing"], "telegram")]
    # the offer's buttons are spent: pressing one again files nothing and counts nothing more
    api.push(callback(f"ks:{offer['reply_markup']['inline_keyboard'][0][0]['callback_data'].split(':')[1]}:"
                      f"{articles['printing']}", chat_id=chat.chat_id, query_id="again-1"))
    api.wait_for(lambda: [a for a in api.sent("answerCallbackQuery") if a.get("callback_query_id") == "again-1"])
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(ArticleDeflection)
                        .where(ArticleDeflection.article_id == articles["printing"])) == 1
    assert _tickets(chat.chat_id) == []


def test_no_files_the_request_and_writing_on_files_both_messages(api, cat, worker, articles):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    chat.send(f"{articles['device']} зажевал бумагу")
    chat.expect("Возможно, ответ уже есть")
    chat.press("Нет, зарегистрировать заявку")
    chat.expect("зарегистрирована")
    [ticket] = _tickets(chat.chat_id)
    assert ticket.title == f"{articles['device']} зажевал бумагу" and ticket.service_id == cat["general_id"]

    other = Chat(api, random.randint(10**6, 10**9))
    other.send(f"{articles['device']} не печатает")
    other.expect("Возможно, ответ уже есть")
    other.send("Кабинет 305, второй этаж")  # writes on instead of pressing: no second offer, one request
    other.expect("зарегистрирована")
    [ticket] = _tickets(other.chat_id)
    assert ticket.title == f"{articles['device']} не печатает"
    assert "Кабинет 305" in ticket.description
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(ArticleDeflection).where(
            ArticleDeflection.article_id.in_([articles["printing"], articles["paper"]]))) == 0


def test_a_message_no_article_matches_is_filed_at_once(api, cat, worker, articles):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    chat.send("Нужен пропуск для гостя " + uuid.uuid4().hex[:6])
    chat.expect("зарегистрирована")
    assert len(_tickets(chat.chat_id)) == 1
    assert not [m for m in chat.messages() if "базе знаний" in (m.get("text") or "")]
