"""Quarantine, not loss (oversized, blocked senders, unparsable, spam: kept raw, released or deleted by an
admin), and no duplicates (one message through two mailboxes or redelivered is one ticket; a reused
Message-ID with other content is a message of its own)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.errors import PermissionDenied, ValidationError
from data.intake import blocklist
from data.models import InboundMessage, Ticket
from ingest.email import quarantine
from ingest.email.inbound import source_of
from ingest.email.receive import receive
from tests import factories
from tests.email.helpers import mail, service_with_mailbox


def _row(session, outcome) -> InboundMessage:
    return session.get(InboundMessage, outcome.inbound_id)


def test_an_oversized_message_is_quarantined_whole_and_released_as_a_ticket(session, monkeypatch):
    monkeypatch.setenv("OKNO_MAX_MESSAGE_MB", "1")
    _service, box = service_with_mailbox(session)
    raw = mail(subject="Скан договора", attachments=[("scan.pdf", b"%PDF" + b"x" * (1024 * 1024), "application/pdf")])
    held = receive(session, source_of(box), raw)
    row = _row(session, held)
    assert held.state == "quarantined" and held.ticket_id is None
    assert row.reason_key == "quarantine.reason.oversized" and row.reason_args["limit"] == 1 and row.raw == raw
    assert row.external_id.startswith("<") and row.external_id.endswith("@example.com>")  # its own Message-ID
    admin = factories.user(session, role="admin")
    assert [r["id"] for r in quarantine.listing(session, admin) if r["id"] == row.id] == [row.id]
    assert quarantine.raw_message(session, admin, row.id) == raw
    released = quarantine.release(session, admin, row.id)
    assert released.state == "processed" and released.created
    assert session.get(Ticket, released.ticket_id).title == "Скан договора" and row.state == "processed"


def test_mail_from_a_blocked_address_or_domain_is_quarantined(session):
    _service, box = service_with_mailbox(session)
    admin = factories.user(session, role="admin")
    blocklist.add(session, admin, "Spammer@Example.com", "рассылает рекламу")
    blocklist.add(session, admin, "@junk.example")
    for sender, pattern in [("spammer@example.com", "spammer@example.com"), ("anyone@junk.example", "@junk.example")]:
        held = receive(session, source_of(box), mail(sender=sender))
        assert held.state == "quarantined" and _row(session, held).reason_args == {"pattern": pattern}
    assert receive(session, source_of(box), mail(sender="friend@example.com")).state == "processed"
    with pytest.raises(ValidationError):
        blocklist.add(session, admin, "not an address")
    with pytest.raises(PermissionDenied):
        blocklist.add(session, factories.user(session, role="agent"), "x@example.com")


@pytest.mark.parametrize("headers,sign", [
    ({"X-Spam-Flag": "YES"}, "X-Spam-Flag: YES"),
    ({"X-Spam-Status": "Yes, score=9.3 required=5.0 tests=BAYES_99"}, "X-Spam-Status: Yes, score=9.3"),
    ({"X-Spam-Score": "7.5"}, "X-Spam-Score: 7.5"), ({"X-Spam-Level": "******"}, "X-Spam-Level: ******"),
    ({"X-Yandex-Spam": "4"}, "X-Yandex-Spam: 4"), ({"X-MS-Exchange-Organization-SCL": "9"}, "SCL: 9"),
    ({"X-Forefront-Antispam-Report": "CIP:1.2.3.4;CTRY:;LANG:ru;SCL:6;SRV:;"}, "SCL: 6"),
])
def test_spam_is_quarantined_with_the_header_that_says_so(session, headers, sign):
    _service, box = service_with_mailbox(session)
    held = receive(session, source_of(box), mail(headers=headers, subject="Выигрыш!"))
    assert held.state == "quarantined" and _row(session, held).reason_key == "quarantine.reason.spam"
    assert _row(session, held).reason_args["sign"].startswith(sign)


@pytest.mark.parametrize("headers", [{"X-Spam-Flag": "NO"}, {"X-Spam-Status": "No, score=1.2"},
                                     {"X-Spam-Score": "2.1"}, {"X-Yandex-Spam": "1"},
                                     {"X-MS-Exchange-Organization-SCL": "-1"}])
def test_mail_the_filter_passed_is_a_ticket(session, headers):
    _service, box = service_with_mailbox(session)
    assert receive(session, source_of(box), mail(headers=headers)).state == "processed"


def test_a_deleted_message_is_gone_from_the_list_and_not_quarantined_again_when_refetched(session):
    _service, box = service_with_mailbox(session)
    raw = mail(headers={"X-Spam-Flag": "YES"})
    held = receive(session, source_of(box), raw)
    admin = factories.user(session, role="admin")
    assert quarantine.remove(session, admin, held.inbound_id)
    row = _row(session, held)
    assert (row.state, row.reason_key, row.raw) == ("skipped", "quarantine.reason.deleted", b"")
    assert held.inbound_id not in [r["id"] for r in quarantine.listing(session, admin)]
    assert receive(session, source_of(box), raw).state == "duplicate"
    with pytest.raises(PermissionDenied):
        quarantine.release(session, factories.user(session, role="agent"), held.inbound_id)


def _copy(raw: bytes, received: str) -> bytes:
    """The same message as another server (or another delivery) hands it over: its own trace headers first."""
    return f"Received: from {received} by mx.okno.test; Mon, 2 Mar 2026 10:00:00 +0300\r\n" \
           f"Delivered-To: {received}\r\n".encode() + raw


@pytest.mark.parametrize("message_id", ["<twice-1@example.com>", None])
def test_one_message_through_two_mailboxes_and_redelivered_is_one_ticket(session, message_id):
    _s1, first = service_with_mailbox(session)
    _s2, second = service_with_mailbox(session)
    raw = mail(to=first.address, message_id=message_id,
               headers={"Cc": second.address, "Date": "Mon, 02 Mar 2026 09:59:00 +0300"})
    outcomes = [receive(session, source_of(first), _copy(raw, first.address)),
                receive(session, source_of(second), _copy(raw, second.address)),
                receive(session, source_of(first), _copy(raw, "again-" + first.address))]  # redelivered
    assert [o.state for o in outcomes] == ["processed", "duplicate", "duplicate"]
    assert {o.ticket_id for o in outcomes} == {outcomes[0].ticket_id}


def test_a_reused_message_id_with_other_content_is_another_message(session):
    _service, box = service_with_mailbox(session)
    robot = dict(sender="monitor@example.com", message_id="<constant@monitor>")
    first = receive(session, source_of(box), mail(subject="Диск C заполнен", **robot))
    second = receive(session, source_of(box), mail(subject="Нет связи с 1С", **robot))
    assert first.created and second.created and first.ticket_id != second.ticket_id
    assert receive(session, source_of(box), mail(subject="Нет связи с 1С", **robot)).state == "duplicate"
    assert session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.id.in_([first.ticket_id, second.ticket_id]))) == 2


def test_a_message_stored_before_content_hashes_is_still_a_duplicate_when_fetched_again(session):
    _service, box = service_with_mailbox(session)
    raw = mail(message_id="<legacy-1@example.com>")
    session.add(InboundMessage(channel="email", source=source_of(box), external_id="<legacy-1@example.com>", raw=raw,
                               state="processed"))
    session.flush()
    assert receive(session, source_of(box), raw).state == "duplicate"
