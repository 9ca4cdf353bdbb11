"""One requester across channels: find or create by email / Telegram, and linking after a PIN."""
from __future__ import annotations

import re

from sqlalchemy import select

from data.intake import pins
from data.intake import requesters
from data.tickets import actions as tickets
from data.models import Outbox, Requester, RequesterIdentity, Ticket
from tests import factories as f


def test_find_or_create_is_idempotent_and_case_insensitive(session):
    a = requesters.find_or_create_by_email(session, "Иван <Ivan.P@Corp.example>", "Иван Петров")
    b = requesters.find_or_create_by_email(session, "ivan.p@corp.example")
    assert a.id == b.id and a.name == "Иван Петров"
    t1 = requesters.find_or_create_by_telegram(session, 42, "Ivan", "ivanp")
    assert requesters.find_or_create_by_telegram(session, "42", "Ivan").id == t1.id != a.id


def test_link_telegram_into_email_requester_after_pin(session):
    board = f.board(session)
    email_req = requesters.find_or_create_by_email(session, "olga@corp.example", "Ольга")
    tg_req = requesters.find_or_create_by_telegram(session, 777, "Оля", "olga_tg")
    t_mail = tickets.create(session, None, title="by mail", board_id=board.id, requester_id=email_req.id, channel="email")
    t_tg = tickets.create(session, None, title="by bot", board_id=board.id, requester_id=tg_req.id, channel="telegram")
    tickets.comment(session, tg_req, t_tg.id, "still broken", channel="telegram")
    pins.request_pin(session, "olga@corp.example", purpose="link",
                     payload={"chat_id": "777", "name": "Оля", "username": "olga_tg"})
    body = session.scalar(select(Outbox.body).where(Outbox.kind == "pin", Outbox.recipient == "olga@corp.example"))
    code = re.search(r"\d{6}", body).group(0)
    assert not pins.verify(session, "olga@corp.example", code).ok  # a link code is not a login code
    check = pins.verify(session, "olga@corp.example", code, purpose="link")
    assert check.ok and check.requester.id == email_req.id
    mine = session.scalars(select(Ticket.id).where(Ticket.requester_id == email_req.id)).all()
    assert set(mine) == {t_mail.id, t_tg.id}
    idents = session.scalars(select(RequesterIdentity).where(RequesterIdentity.requester_id == email_req.id)).all()
    assert {(i.channel, i.address) for i in idents} == {("email", "olga@corp.example"), ("telegram", "777")}
    assert all(i.verified_at for i in idents)
    assert session.get(Requester, tg_req.id) is None
    assert tickets.get(session, check.requester, t_tg.id).id == t_tg.id  # the portal now shows it
