"""Portal and request submission at scale: submit with each routing kind, "my requests", one request
page, a PIN round trip. Writes run in one transaction that is rolled back (the database is unchanged)."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def run(url: str) -> dict:
    from bench.common import timed
    from data.intake import pins
    from data.intake import portal
    from data.intake import requesters
    from data.intake import submit as requests
    from data.db import get_engine
    from data.models import Outbox, RequestType, Service, Ticket

    out = {}
    with get_engine().connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            busiest = s.execute(select(Ticket.requester_id, func.count()).where(Ticket.requester_id.is_not(None))
                                .group_by(Ticket.requester_id).order_by(func.count().desc()).limit(1)).first()
            requester = requesters.get(s, busiest[0])
            out["busiest_requester_tickets"] = busiest[1]
            number = s.scalar(select(func.max(Ticket.number)).where(Ticket.requester_id == requester.id))
            out["my_requests"] = timed(lambda: portal.my_requests(s, requester), repeat=20)
            out["request_page"] = timed(lambda: portal.request_view(s, requester, number), repeat=20)
            it = s.scalar(select(Service).where(Service.code == "it"))
            kinds = {"least_loaded": ("printer", {"remote_help": True, "scope": "Локальная", "symptom": "Другое"}),
                     "round_robin": ("access", {"system": "CRM", "access_level": "Чтение", "justification": "x"}),
                     "rule": ("other", {"topic": "Принтер"})}
            for kind, (code, values) in kinds.items():
                rt = s.scalar(select(RequestType).where(RequestType.service_id == it.id, RequestType.code == code))
                if rt is None:
                    continue
                out[f"submit_{kind}"] = timed(lambda: requests.submit(
                    s, requester, service_id=it.id, request_type_id=rt.id, title="bench", values=values,
                    channel="portal"), repeat=20)
            address = requester.email or "bench@vostok-group.example"

            def pin_round_trip():
                pins.request_pin(s, address, None)
                body = s.scalar(select(Outbox.body).where(Outbox.kind == "pin").order_by(Outbox.id.desc()).limit(1))
                assert pins.verify(s, address, re.search(r"\d{6}", body).group(0)).ok
                s.execute(Outbox.__table__.delete().where(Outbox.kind == "pin"))
            import os
            os.environ["OKNO_PIN_SENDS_PER_ADDRESS"] = "1000"
            out["pin_request_and_verify"] = timed(pin_round_trip, repeat=10)
        finally:
            s.close()
            outer.rollback()
    return out
