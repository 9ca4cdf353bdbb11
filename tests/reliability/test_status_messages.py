"""A requester hears once per meaningful change of their request, however fast the card moves."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data.catalog import admin as catalog_admin
from data.errors import ValidationError

from data.intake import requesters
from data.intake import submit as requests
from data.messaging import outbox
from data.models import Outbox
from data.tickets import actions as tickets
from ingest.common import now
from tests import factories as f
from tests.portal_factories import desk, request_type


def setup(session, **notify):
    d = desk(session)
    for col, status in zip(d["board"].columns, ("Принята", "В работе", "Ждём вас", "Выполнена")):
        col.requester_status = status
    d["service"].notify = {"on_status_change": True, **notify}
    rt = request_type(session, d["service"], fields=[])
    req = requesters.find_or_create_by_telegram(session, 5151, "Вера")
    t = requests.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="VPN",
                        channel="telegram")
    return d, t


def messages(session, t):
    return session.scalars(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "notification").order_by(Outbox.id)).all()


def move(session, d, t, kind):
    tickets.move(session, d["lead"], t.id, f.column(d["board"], kind).id)


def test_nine_rapid_moves_send_the_requester_one_message_with_the_latest_status(session):
    d, t = setup(session)
    for kind in ("in_progress", "waiting", "in_progress", "waiting", "in_progress", "waiting", "in_progress",
                 "waiting", "in_progress"):
        move(session, d, t, kind)
    rows = messages(session, t)
    assert len(rows) == 1 and "В работе" in rows[0].body
    assert rows[0].next_attempt_at > now() + timedelta(seconds=90)  # held for the window, default 2 minutes


def test_a_change_undone_within_the_window_sends_nothing(session):
    d, t = setup(session)
    move(session, d, t, "in_progress")
    move(session, d, t, "queue")
    assert messages(session, t) == []


def test_returning_to_the_status_last_sent_sends_nothing_and_a_new_one_is_sent(session):
    d, t = setup(session)
    move(session, d, t, "in_progress")
    [row] = messages(session, t)
    outbox.sent(session, row)  # the requester got "В работе"
    move(session, d, t, "waiting")
    move(session, d, t, "in_progress")
    assert [r.state for r in messages(session, t)] == ["sent"]
    move(session, d, t, "done")
    assert ["Выполнена" in r.body for r in messages(session, t)] == [False, True]


def test_the_window_is_set_per_service(session):
    d, t = setup(session, status_window_minutes=10)
    move(session, d, t, "in_progress")
    [row] = messages(session, t)
    assert now() + timedelta(minutes=9) < row.next_attempt_at < now() + timedelta(minutes=11)


def test_an_admin_sets_the_window_on_the_service_and_nonsense_is_refused(session):
    d = desk(session)
    admin = f.user(session, role="admin")
    data = {"name": "Печать", "code": "print5", "board_id": d["board"].id, "on_status_change": True}
    service = catalog_admin.save_service(session, admin, None, {**data, "status_window_minutes": "5"})
    assert service.notify["status_window_minutes"] == 5
    assert catalog_admin.save_service(session, admin, service.id, data).notify["status_window_minutes"] == 2
    with pytest.raises(ValidationError) as err:
        catalog_admin.save_service(session, admin, service.id, {**data, "status_window_minutes": "-3"})
    assert "1440" in err.value.field_messages("en")["status_window_minutes"]
