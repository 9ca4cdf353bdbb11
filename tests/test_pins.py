"""Portal PINs: expiry, single use, attempts lockout, send limits, the same answer for unknown addresses."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from data.intake import pins
from data.intake import requesters
from data.errors import LimitExceeded, ValidationError
from data.models import Outbox, RequesterIdentity

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def last_pin(session, address):
    row = session.scalar(select(Outbox).where(Outbox.recipient == address, Outbox.kind == "pin")
                         .order_by(Outbox.id.desc()).limit(1))
    assert row.channel == "email"
    return re.search(r"\b(\d{6})\b", row.body).group(1)


def test_pin_signs_in_once_and_creates_requester(session):
    pins.request_pin(session, "New.Person@Corp.example", "10.0.0.1", at=T0)
    code = last_pin(session, "new.person@corp.example")
    check = pins.verify(session, "new.person@corp.example", code, at=T0 + timedelta(minutes=9))
    assert check.ok and check.requester.email == "new.person@corp.example"
    ident = session.scalar(select(RequesterIdentity).where(RequesterIdentity.address == "new.person@corp.example"))
    assert ident.verified_at is not None
    again = pins.verify(session, "new.person@corp.example", code, at=T0 + timedelta(minutes=9))
    assert not again.ok and again.reason == "wrong"  # single use


def test_pin_expires_after_ten_minutes(session):
    pins.request_pin(session, "late@corp.example", at=T0)
    code = last_pin(session, "late@corp.example")
    assert pins.verify(session, "late@corp.example", code, at=T0 + timedelta(minutes=10, seconds=1)).reason == "wrong"


def test_new_code_supersedes_old(session):
    pins.request_pin(session, "twice@corp.example", at=T0)
    old = last_pin(session, "twice@corp.example")
    pins.request_pin(session, "twice@corp.example", at=T0 + timedelta(minutes=1))
    new = last_pin(session, "twice@corp.example")
    if old != new:
        assert not pins.verify(session, "twice@corp.example", old, at=T0 + timedelta(minutes=2)).ok
    assert pins.verify(session, "twice@corp.example", new, at=T0 + timedelta(minutes=2)).ok


def test_wrong_attempts_lock_the_code(session, caplog):
    pins.request_pin(session, "target@corp.example", at=T0)
    code = last_pin(session, "target@corp.example")
    wrong = "000000" if code != "000000" else "111111"
    results = [pins.verify(session, "target@corp.example", wrong, ip="6.6.6.6", at=T0).reason for _ in range(5)]
    assert results == ["wrong"] * 4 + ["locked"]
    # Even the right code, from that address (tests/security: the requester's own address still works).
    assert pins.verify(session, "target@corp.example", code, ip="6.6.6.6", at=T0).reason == "locked"
    assert "locked for ip 6.6.6.6 after 5 wrong attempts" in caplog.text


def test_send_limits_per_address_and_per_ip(session):
    for i in range(5):
        pins.request_pin(session, "spam@corp.example", f"10.1.0.{i}", at=T0 + timedelta(minutes=i))
    with pytest.raises(LimitExceeded):
        pins.request_pin(session, "spam@corp.example", "10.1.0.9", at=T0 + timedelta(minutes=6))
    pins.request_pin(session, "spam@corp.example", "10.1.0.9", at=T0 + timedelta(minutes=61))  # the hour passed
    for i in range(20):
        pins.request_pin(session, f"u{i}@corp.example", "10.9.9.9", at=T0)
    with pytest.raises(LimitExceeded):
        pins.request_pin(session, "other@corp.example", "10.9.9.9", at=T0)


def test_same_answer_for_known_and_unknown_address(session):
    requesters.find_or_create_by_email(session, "known@corp.example")
    known = pins.request_pin(session, "known@corp.example", at=T0)
    unknown = pins.request_pin(session, "nobody@corp.example", at=T0)
    assert known is None and unknown is None
    kinds = [(o.kind, o.subject) for o in session.scalars(select(Outbox).where(
        Outbox.recipient.in_(["known@corp.example", "nobody@corp.example"])))]
    assert len(kinds) == 2 and kinds[0] == kinds[1]
    with pytest.raises(ValidationError):
        pins.request_pin(session, "not-an-address", at=T0)
