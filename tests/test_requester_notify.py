"""Requesters hear about their request per the service's settings: status changes and public replies,
in the channel the request came from."""
from __future__ import annotations

from sqlalchemy import select

from data.intake import requesters
from data.intake import submit as requests
from data.tickets import actions as tickets
from data.models import Outbox
from tests import factories as f
from tests.portal_factories import desk, request_type


def setup(session, notify):
    d = desk(session)
    for col, status in zip(d["board"].columns, ("Принята", "В работе", "Ждём вас", "Выполнена")):
        col.requester_status = status
    d["service"].notify = notify
    rt = request_type(session, d["service"], fields=[])
    req = requesters.find_or_create_by_telegram(session, 4242, "Вера")
    t = requests.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="VPN",
                        channel="telegram")
    return d, t


def sent(session, t, kind):
    return session.scalars(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == kind)).all()


def test_status_change_goes_to_the_requesters_channel(session):
    d, t = setup(session, {"on_status_change": True, "on_public_reply": True})
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "in_progress").id)
    rows = sent(session, t, "notification")
    assert [(r.channel, r.recipient) for r in rows] == [("telegram", "4242")] and "В работе" in rows[0].body
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "in_progress").id,
                 f.lane_of(d["board"], d["alice"]).id)  # same column, same status: no message
    assert len(sent(session, t, "notification")) == 1
    tickets.comment(session, d["alice"], t.id, "Перезагрузите роутер")
    assert [r.body for r in sent(session, t, "reply")] == ["Перезагрузите роутер"]


def test_service_settings_turn_messages_off(session):
    d, t = setup(session, {"on_status_change": False, "on_public_reply": False})
    tickets.move(session, d["lead"], t.id, f.column(d["board"], "done").id)
    tickets.comment(session, d["alice"], t.id, "Готово")
    assert sent(session, t, "notification") == [] and sent(session, t, "reply") == []
