"""The rating question's channels end to end: the email link over real HTTP, the Telegram buttons through
the real worker against a loopback Bot API, and the lead told about a low score."""
from __future__ import annotations

import random
import re
import uuid

import requests
from sqlalchemy import select

from data.db import read_session, session_scope
from data.intake import requesters
from data.intake import submit as intake
from data.models import Notification, Outbox, Rating
from data.tickets import actions as tickets
from tests import factories as f
from tests.telegram_fake_api import callback
from tests.telegram_support import Chat, WorkerThread, api, cat, worker  # noqa: F401


def _resolved(requester_of, session_lead=True):
    """A committed ticket resolved by a lead of the board's team; returns (ticket id, lead id, token)."""
    with session_scope() as s:
        team = f.team(s)
        lead = f.user(s, "manager", team, name="Lead " + uuid.uuid4().hex[:4])
        team.lead_id = lead.id
        board = f.board(s, team)
        service = f.service(s, board, code=uuid.uuid4().hex[:12])
        service.team_id = team.id
        s.flush()
        t = intake.submit(s, requester_of(s), service_id=service.id, title="Не печатает принтер",
                          channel="telegram" if not session_lead else "email")
        tickets.move(s, lead, t.id, f.column(board, "done").id)
        row = s.scalar(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "csat"))
        token = row.body.split("/rate/")[1].split("?")[0] if row.channel == "email" else None
        return t.id, lead.id, token


def _form(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_email_link_rates_once_over_http(live_server):
    address = f"r{uuid.uuid4().hex[:8]}@example.com"
    ticket_id, lead_id, token = _resolved(lambda s: requesters.find_or_create_by_email(s, address, "Ирина"))
    browser = requests.Session()
    page = browser.get(f"{live_server}/rate/{token}?score=2", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and "Не печатает принтер" in page.text
    assert 'value="2" checked' in page.text
    with read_session() as s:  # opening the link (a mail scanner does) rates nothing
        assert s.scalar(select(Rating.score).where(Rating.ticket_id == ticket_id)) is None
    done = browser.post(f"{live_server}/rate/{token}", data={"csrf_token": _form(page.text), "score": "2",
                                                              "comment": "Ждал три дня"},
                        headers={"Accept-Language": "ru"})
    assert done.status_code == 200 and "Спасибо! Ваша оценка сохранена." in done.text
    with read_session() as s:
        rating = s.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
        assert (rating.score, rating.comment) == (2, "Ждал три дня")
        assert s.scalar(select(Notification.text).where(Notification.user_id == lead_id,
                                                        Notification.kind == "low_rating"))
    again = browser.get(f"{live_server}/rate/{token}", headers={"Accept-Language": "en"})
    assert again.status_code == 410 and "already been rated" in again.text
    forged = browser.get(f"{live_server}/rate/{token[:-3]}abc", headers={"Accept-Language": "en"})
    assert forged.status_code == 404 and "not valid" in forged.text


def test_a_bad_score_over_http_shows_the_form_again(live_server):
    address = f"r{uuid.uuid4().hex[:8]}@example.com"
    _ticket_id, _lead, token = _resolved(lambda s: requesters.find_or_create_by_email(s, address, "Ирина"))
    browser = requests.Session()
    page = browser.get(f"{live_server}/rate/{token}", headers={"Accept-Language": "en"})
    bad = browser.post(f"{live_server}/rate/{token}", data={"csrf_token": _form(page.text), "score": "9"},
                       headers={"Accept-Language": "en"})
    assert bad.status_code == 400 and "Choose a score from 1 to 5." in bad.text and 'id="rate-form"' in bad.text


def test_telegram_buttons_rate_and_the_lead_is_told(api, cat, worker):  # noqa: F811
    chat = Chat(api, random.randint(10**6, 10**9))
    ticket_id, lead_id, _ = _resolved(lambda s: requesters.find_or_create_by_telegram(s, chat.chat_id, "Пётр"),
                                      session_lead=False)
    chat.expect("Как мы справились?")
    # someone else's chat pressing the same button rates nothing
    stranger = Chat(api, random.randint(10**6, 10**9))
    with read_session() as s:
        rating_id = s.scalar(select(Rating.id).where(Rating.ticket_id == ticket_id))
    api.push(callback(f"r:{rating_id}:5", chat_id=stranger.chat_id, query_id="stranger-1"))
    api.wait_for(lambda: [a for a in api.sent("answerCallbackQuery") if a.get("callback_query_id") == "stranger-1"])
    chat.press("2")
    # the question is edited in place: the buttons go, the score stays
    api.wait_for(lambda: [m for m in chat.messages() if "Ваша оценка: 2 из 5" in m["text"]])
    with read_session() as s:
        assert s.scalar(select(Rating.score).where(Rating.id == rating_id)) == 2
        assert s.scalar(select(Notification.text).where(Notification.user_id == lead_id,
                                                        Notification.kind == "low_rating"))
    refused = [a for a in api.sent("answerCallbackQuery") if a.get("callback_query_id") == "stranger-1"]
    assert "недействительна" in refused[0]["text"]
