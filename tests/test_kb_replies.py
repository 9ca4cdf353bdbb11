"""Between articles and ticket replies (data/kb/replies.py): who may turn a reply into a draft and from which
tickets, which articles may go into a reply, and what is inserted; plus the typo correction against kb_words."""
from __future__ import annotations

import uuid

import pytest

from data import kb
from data.errors import NotFound, PermissionDenied
from data.intake import submit as intake
from data.kb.search import corrections
from data.tickets import actions as tickets
from data.tickets.search import has_trgm
from tests import factories as f


@pytest.fixture
def card(session):
    team, other_team = f.team(session), f.team(session)
    agent = f.user(session, "agent", team)
    board = f.board(session, team, agents=[agent])
    service = f.service(session, board, code=uuid.uuid4().hex[:10])
    requester = f.requester(session, email=f"r{uuid.uuid4().hex[:6]}@example.com")
    ticket = intake.submit(session, requester, service_id=service.id, title="VPN не подключается", channel="email")
    reply = tickets.comment(session, agent, ticket.id, "Перезапустите клиент VPN.", public=True)
    asked = tickets.comment(session, requester, ticket.id, "Не помогло", public=True, channel="email")
    return dict(agent=agent, outsider=f.user(session, "agent", other_team), analyst=f.user(session, "analyst"),
                ticket=ticket, reply=reply, asked=asked, service=service)


def test_a_reply_becomes_a_draft_for_writers_who_see_the_ticket(session, card):
    draft = kb.draft_from_comment(session, card["agent"], card["reply"].id)
    assert draft == {"title": "VPN не подключается", "body": "Перезапустите клиент VPN.",
                     "service_id": card["service"].id}
    with pytest.raises(NotFound):  # the requester's own message is not an answer to publish
        kb.draft_from_comment(session, card["agent"], card["asked"].id)
    with pytest.raises(PermissionDenied):  # a ticket of another team
        kb.draft_from_comment(session, card["outsider"], card["reply"].id)
    with pytest.raises(PermissionDenied):  # analysts read, they don't write articles
        kb.draft_from_comment(session, card["analyst"], card["reply"].id)


def test_only_articles_requesters_may_read_go_into_a_reply(session, card):
    agent, tag = card["agent"], uuid.uuid4().hex[:6]
    public = kb.publish(session, agent, kb.save(session, agent, title=f"Сброс VPN {tag}", body="Шаг 1.").id)
    staff_only = kb.publish(session, agent, kb.save(session, agent, title=f"VPN для админов {tag}", body="x",
                                                    visibility="staff").id)
    draft = kb.save(session, agent, title=f"VPN черновик {tag}", body="y")
    assert [a["title"] for a in kb.pickable(session, agent, f"vpn {tag}")] == [f"Сброс VPN {tag}"]
    assert kb.for_reply(session, agent, public.id) == f"Сброс VPN {tag}: {kb.portal_url(public.id)}"
    assert kb.for_reply(session, agent, public.id, as_text=True) == f"Сброс VPN {tag}\n\nШаг 1."
    for hidden in (staff_only, draft):
        with pytest.raises(NotFound):
            kb.for_reply(session, agent, hidden.id)
    with pytest.raises(PermissionDenied):
        kb.pickable(session, card["analyst"], "vpn")


def test_typos_are_corrected_against_the_articles_words(session, card):
    if not has_trgm(session):
        pytest.skip("the server has no pg_trgm")
    agent, word = card["agent"], "ламинатор" + "щ" * 3
    kb.publish(session, agent, kb.save(session, agent, title=f"{word} не греется", body="Подождите минуту").id)
    assert word in corrections(session, [word[:4] + word[5:]])  # one letter dropped
    assert corrections(session, [word]) == []  # a word the articles have needs no correction
    assert [a["title"] for a in kb.suggest(session, f"{word[:4]}{word[5:]} грееться")][:1] == [f"{word} не греется"]
