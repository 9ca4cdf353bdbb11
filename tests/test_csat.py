"""Satisfaction ratings: one question per resolution in the requester's channel, answered once, and a
low score tells the team lead."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from data.csat import ask, rate
from data.errors import NotFound, ValidationError
from data.intake import requesters
from data.intake import submit as requests
from data.models import Notification, Outbox, Rating
from data.tickets import actions as tickets
from tests import factories as f
from tests.portal_factories import desk, request_type


def resolved(session, channel="telegram"):
    d = desk(session)
    d["team"].lead_id = d["lead"].id
    rt = request_type(session, d["service"], fields=[])
    if channel == "telegram":
        req = requesters.find_or_create_by_telegram(session, 5151, "Вера")
    else:
        req = requesters.find_or_create_by_email(session, "vera@example.com", "Вера")
    t = requests.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="VPN не работает",
                        channel=channel)
    tickets.assign(session, d["lead"], t.id, d["alice"].id)
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "done").id)
    return d, t


def questions(session, t):
    return session.scalars(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "csat")).all()


def the_token(session, t, monkeypatch=None):
    """The link token is only in the email; the database keeps its hash."""
    body = questions(session, t)[-1].body
    return body.split("/rate/")[1].split("?")[0]


def test_resolution_asks_once_in_the_requesters_channel_with_five_buttons(session):
    d, t = resolved(session)
    rows = questions(session, t)
    assert [(r.channel, r.recipient) for r in rows] == [("telegram", "5151")]
    assert [b[0] for b in rows[0].payload["buttons"][0]] == ["1", "2", "3", "4", "5"]
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    assert (rating.resolution, rating.agent_id, rating.score) == (0, d["alice"].id, None)
    assert ask.ask(session, t) is None  # the same resolution is not asked about again
    assert len(questions(session, t)) == 1


def test_email_link_rates_once_and_refuses_forged_used_and_expired(session):
    d, t = resolved(session, channel="email")
    token = the_token(session, t)
    body = questions(session, t)[0].body
    assert "/rate/" in body and "5 — отлично: http" in body and "в течение 7 дней" in body
    with pytest.raises(NotFound) as forged:
        rate.rate_with_token(session, token[:-2] + "xx", 5)
    assert forged.value.message("en").startswith("This rating link is not valid")
    with pytest.raises(ValidationError) as bad:
        rate.rate_with_token(session, token, 6)
    assert bad.value.message("en") == "Choose a score from 1 to 5."
    with pytest.raises(ValidationError):
        rate.rate_with_token(session, token, "abc")
    later = datetime.now(timezone.utc) + timedelta(days=8)
    with pytest.raises(ValidationError) as expired:
        rate.rate_with_token(session, token, 4, now=later)
    assert expired.value.message("ru") == "Срок для оценки этого решения истёк."
    rating = rate.rate_with_token(session, token, 4, "  Быстро, спасибо ")
    assert (rating.score, rating.comment) == (4, "Быстро, спасибо")
    with pytest.raises(ValidationError) as used:
        rate.rate_with_token(session, token, 5)
    assert used.value.message("en") == "This resolution has already been rated. Thank you!"
    assert session.get(Rating, rating.id).score == 4


def test_reopen_and_resolve_again_asks_again(session):
    d, t = resolved(session)
    first = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    rate.rate_as(session, t.requester_id, first.id, 5)
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "in_progress").id)
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "done").id)
    ratings = session.scalars(select(Rating).where(Rating.ticket_id == t.id).order_by(Rating.resolution)).all()
    assert [(r.resolution, r.score) for r in ratings] == [(0, 5), (1, None)]
    rate.rate_as(session, t.requester_id, ratings[1].id, 3)
    assert len(questions(session, t)) == 2


def test_someone_elses_question_is_unknown(session):
    d, t = resolved(session)
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    other = requesters.find_or_create_by_telegram(session, 777, "Чужой")
    with pytest.raises(NotFound):
        rate.rate_as(session, other.id, rating.id, 1)


def test_too_long_comment_is_refused(session, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_RATING_COMMENT_CHARS", "10")
    d, t = resolved(session)
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    with pytest.raises(ValidationError):
        rate.rate_as(session, t.requester_id, rating.id, 3, "x" * 11)


def test_a_low_rating_notifies_the_team_lead(session):
    d, t = resolved(session)
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    rate.rate_as(session, t.requester_id, rating.id, 2, "Долго")
    notes = session.scalars(select(Notification).where(Notification.user_id == d["lead"].id,
                                                       Notification.kind == "low_rating")).all()
    assert len(notes) == 1 and "2" in notes[0].text and "Долго" in notes[0].text


def test_a_good_rating_does_not_notify(session):
    d, t = resolved(session)
    rating = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    rate.rate_as(session, t.requester_id, rating.id, 5)
    assert session.scalars(select(Notification).where(Notification.kind == "low_rating",
                                                      Notification.ticket_id == t.id)).all() == []


def test_team_analytics_per_agent_and_service_with_response_rate(session):
    from datetime import date
    from data.metrics import csat as metrics
    from data.metrics.filters import TicketFilter
    from data.csat import view
    from data.weekly import text
    d, t = resolved(session)
    second = requests.submit(session, requesters.find_or_create_by_telegram(session, 6161, "Олег"),
                             service_id=d["service"].id, title="Почта", channel="telegram")
    tickets.assign(session, d["lead"], second.id, d["alice"].id)
    tickets.move(session, d["lead"], second.id, f.column(d["board"], "done").id)
    first = session.scalar(select(Rating).where(Rating.ticket_id == t.id))
    rate.rate_as(session, t.requester_id, first.id, 3, "Нормально")
    today = date.today()
    flt = TicketFilter(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1), team=(d["team"].id,))
    agents = metrics.by_agent(session, d["lead"], flt)
    assert [(a["name"], a["asked"], a["rated"], a["avg_score"], a["response_rate"]) for a in agents] == \
        [("Alice", 2, 1, 3.0, 50.0)]
    services = metrics.by_service(session, d["lead"], flt)
    assert [(s["service_id"], s["rated"], s["avg_score"]) for s in services] == [(d["service"].id, 1, 3.0)]
    summary = metrics.summary(session, d["lead"], flt)
    line = text.sentences({"company": {"figures": {k: {"value": 0, "change": None, "delta": None, "previous": None}
                                                   for k in ("created", "resolved", "backlog", "sla_met")}},
                           "teams": [], "csat": summary}, "ru")[-1]
    assert line == "Заявители поставили 1 оценку, в среднем 3,0 из 5; на просьбу оценить ответили в 50% случаев."
    card = view.of_ticket(session, t.id)
    assert [(c["resolution"], c["score"], c["comment"], c["state"]) for c in card] == [(1, 3, "Нормально", "rated")]
    assert view.of_ticket(session, second.id)[0]["state"] == "waiting"


def test_the_rollup_gives_the_same_tables_and_counts_an_answer_given_later(session):
    """The per-agent and per-service tables read the rollup when it is built; an answer writes no ticket
    event, and the next refresh still counts it."""
    from datetime import date
    from data.metrics import csat as metrics, rollup
    from data.metrics.filters import TicketFilter
    d, t = resolved(session)
    second = requests.submit(session, requesters.find_or_create_by_telegram(session, 6262, "Олег"),
                             service_id=d["service"].id, title="Почта", channel="telegram")
    tickets.assign(session, d["lead"], second.id, d["alice"].id)
    tickets.move(session, d["lead"], second.id, f.column(d["board"], "done").id)
    rate.rate_as(session, t.requester_id, session.scalar(select(Rating).where(Rating.ticket_id == t.id)).id, 3)
    today = date.today()
    flt = TicketFilter(date_from=today - timedelta(days=1), date_to=today + timedelta(days=1), team=(d["team"].id,))

    def tables():
        return metrics.by_agent(session, d["lead"], flt), metrics.by_service(session, d["lead"], flt)

    rollup.drop(session)
    live = tables()
    rollup.rebuild(session)
    assert rollup.usable(session, flt) and tables() == live
    later = session.scalar(select(Rating).where(Rating.ticket_id == second.id))
    rate.rate_as(session, second.requester_id, later.id, 5)
    rollup.refresh(session)
    agents, services = tables()
    assert [(a["name"], a["asked"], a["rated"], a["avg_score"], a["response_rate"]) for a in agents] == \
        [("Alice", 2, 2, 4.0, 100.0)]
    rollup.drop(session)
    assert (agents, services) == tables()
