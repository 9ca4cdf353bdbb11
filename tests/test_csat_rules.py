"""Ratings drive automation rules: the trigger "rated" with a score bound, the action "notify the team lead", and
the default rule (migration kbcsat_0001) that tells the lead about a score of 2 or less. The proof runs through
the Telegram rating buttons (real worker, loopback Bot API), with the optional comment the bot asks for after."""
from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select, update

from data.automation import admin as rules_admin
from data.csat import rate
from data.db import read_session, session_scope
from data.errors import ValidationError
from data.intake import requesters
from data.intake import submit as intake
from data.models import Notification, Outbox, Rating, Rule, RuleLog
from data.tickets import actions as tickets
from tests import factories as f
from tests.test_csat import resolved
from tests.telegram_support import Chat, api, cat, worker  # noqa: F401


def default_rule(session) -> Rule:
    return session.scalar(select(Rule).where(Rule.trigger == "rated").order_by(Rule.id).limit(1))


def _rate(session, t, score, comment=None):
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    return rate.rate_as(session, t.requester_id, rating.id, score, comment)


def _lead_notes(session, d):
    return session.scalars(select(Notification).where(Notification.user_id == d["lead"].id,
                                                      Notification.kind == "low_rating")).all()


def test_the_default_rule_tells_the_lead_about_a_low_score_and_can_be_switched_off(session):
    rule = default_rule(session)
    assert rule is not None and rule.is_active and rule.trigger_options == {"max_score": 2}
    assert rule.actions == [{"type": "notify_team_lead"}]
    d, t = resolved(session)
    _rate(session, t, 1, "Не помогли")
    [note] = _lead_notes(session, d)
    assert "1" in note.text and "Не помогли" in note.text
    assert session.scalar(select(RuleLog.outcome).where(RuleLog.rule_id == rule.id, RuleLog.ticket_id == t.id)) \
        == "fired"
    rule.is_active = False  # an admin switched it off: a low score tells nobody
    d2, t2 = resolved(session)
    _rate(session, t2, 2)
    assert _lead_notes(session, d2) == []


def test_a_rule_on_ratings_with_its_own_bound(session):
    session.execute(update(Rule).where(Rule.trigger == "rated").values(is_active=False))
    admin = f.user(session, "admin")
    watcher = f.user(session, "manager", name="Watcher " + uuid.uuid4().hex[:4])
    rule = rules_admin.save(session, admin, None, name="Оценка 3 и ниже", trigger="rated",
                            trigger_options={"max_score": 3}, actions=[{"type": "notify_user", "user_id": watcher.id},
                                                                        {"type": "notify_team_lead"}])
    d, t = resolved(session)
    _rate(session, t, 4)
    assert session.scalars(select(Notification).where(Notification.user_id == watcher.id)).all() == []
    d, t = resolved(session)
    _rate(session, t, 3)
    assert len(session.scalars(select(Notification).where(Notification.user_id == watcher.id)).all()) == 1
    assert len(_lead_notes(session, d)) == 1
    assert session.scalar(select(Rule.fire_count).where(Rule.id == rule.id)) == 1  # the score of 4 did not fire it
    with pytest.raises(ValidationError) as err:
        rules_admin.save(session, admin, None, name="x", trigger="rated", trigger_options={"max_score": 7},
                         actions=[{"type": "notify_team_lead"}])
    assert "max_score" in err.value.fields


def test_a_comment_after_the_score_once(session):
    d, t = resolved(session)
    rating = _rate(session, t, 4)
    rate.add_comment(session, t.requester_id, rating.id, "  Быстро и вежливо ")
    assert rating.comment == "Быстро и вежливо"
    with pytest.raises(ValidationError):
        rate.add_comment(session, t.requester_id, rating.id, "ещё раз")


def _resolved_in_telegram(chat_id: int):
    with session_scope() as s:
        team = f.team(s)
        lead = f.user(s, "manager", team, name="Lead " + uuid.uuid4().hex[:4])
        team.lead_id = lead.id
        board = f.board(s, team)
        service = f.service(s, board, code=uuid.uuid4().hex[:12])
        service.team_id = team.id
        s.flush()
        requester = requesters.find_or_create_by_telegram(s, chat_id, "Пётр")
        t = intake.submit(s, requester, service_id=service.id, title="Не работает сканер", channel="telegram")
        tickets.move(s, lead, t.id, f.column(board, "done").id)
        assert s.scalar(select(Outbox.id).where(Outbox.ticket_id == t.id, Outbox.kind == "csat"))
        return t.id, lead.id


def test_rated_2_from_telegram_the_lead_is_notified_and_a_comment_follows(api, cat, worker):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id, lead_id = _resolved_in_telegram(chat.chat_id)
    chat.expect("Как мы справились?")
    chat.press("2")
    chat.expect("Хотите добавить комментарий?")
    with read_session() as s:
        note = s.scalar(select(Notification.text).where(Notification.user_id == lead_id,
                                                        Notification.kind == "low_rating"))
        assert note and "2" in note
        assert s.scalar(select(RuleLog.outcome).join(Rule, Rule.id == RuleLog.rule_id)
                        .where(Rule.trigger == "rated", RuleLog.ticket_id == ticket_id)) == "fired"
    chat.send("Ждал ответа три дня")
    chat.expect("комментарий сохранён")
    with read_session() as s:
        rating = s.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
        assert (rating.score, rating.comment) == (2, "Ждал ответа три дня")
    chat.send("Принтер сломался " + uuid.uuid4().hex[:6])  # the next message is an ordinary request again
    chat.expect("зарегистрирована")


def test_skip_leaves_the_rating_without_a_comment(api, cat, worker):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id, _lead = _resolved_in_telegram(chat.chat_id)
    chat.expect("Как мы справились?")
    chat.press("5")
    chat.expect("Хотите добавить комментарий?")
    chat.press("Пропустить")
    api.wait_for(lambda: [m for m in chat.messages() if "Хотите добавить" in (m.get("text") or "")
                          and not (m.get("reply_markup") or {}).get("inline_keyboard")])
    with read_session() as s:
        rating = s.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
        assert (rating.score, rating.comment) == (5, None)
        assert s.scalar(select(Notification.id).where(Notification.ticket_id == ticket_id,
                                                      Notification.kind == "low_rating")) is None
