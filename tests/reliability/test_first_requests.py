"""Ten first requests from one new address at once (a double-clicked form, a burst of mail): ten
tickets, one requester, no error."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data import db
from data.intake import requesters
from data.intake import submit as requests
from data.models import RequesterIdentity, Ticket
from tests import factories
from tests.reliability.helpers import race

pytestmark = pytest.mark.usefixtures("database_url")


def _service() -> int:
    with db.session_scope() as s:
        return factories.service(s, factories.board(s)).id


def test_ten_concurrent_first_requests_from_a_new_address_make_ten_tickets_and_one_requester():
    service_id = _service()

    def first_request(n, s):
        requester = requesters.find_or_create_by_email(s, "New.Person@Example.com", "Новый Человек")
        return requests.submit(s, requester, service_id=service_id, title=f"Request {n}", channel="portal").id

    outcomes = race(first_request)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with db.read_session() as s:
        owners = s.scalars(select(Ticket.requester_id).where(Ticket.id.in_(outcomes))).all()
        identities = s.scalar(select(func.count()).select_from(RequesterIdentity)
                              .where(RequesterIdentity.address == "new.person@example.com"))
    assert len(owners) == 10 and len(set(owners)) == 1 and identities == 1


def test_ten_concurrent_first_messages_from_a_new_telegram_chat_make_one_requester():
    service_id = _service()

    def first_message(n, s):
        requester = requesters.find_or_create_by_telegram(s, 987654321, "Пётр", "petr")
        return requests.submit(s, requester, service_id=service_id, title=f"Request {n}", channel="telegram").id

    outcomes = race(first_message)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with db.read_session() as s:
        owners = set(s.scalars(select(Ticket.requester_id).where(Ticket.id.in_(outcomes))))
    assert len(owners) == 1
