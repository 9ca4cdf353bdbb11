"""The batch path (a process pool, one transaction per batch) writes what the one-by-one path writes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from data import db
from data.models import (Attachment, Comment, InboundMessage, Outbox, Requester, RequesterIdentity, SlaPolicy,
                         Ticket, TicketEvent, TicketSla)
from ingest.email.mailbox_import import ingest_all, ingest_batched
from tests import factories
from tests.email.helpers import mail

pytestmark = pytest.mark.usefixtures("database_url")


def _service(code: str) -> int:
    with db.session_scope() as s:
        board = factories.board(s, name=f"Batch {code}")
        service = factories.service(s, board, code=code, name=f"Batch {code}")
        service.auto_reply_template = "Заявка #{number} принята"
        s.add(SlaPolicy(name=f"sla {code}", first_response_minutes=60, resolution_minutes=480,
                        conditions={"service_ids": [service.id]}))
        return service.id


def mail_set(tag: str) -> list[bytes]:
    """New requests (some with a file), replies to them, a copy of one message, a mailing list post."""
    out = []
    for i in range(12):
        out.append(mail(sender=f"{tag}-user{i % 4}@example.com", subject=f"{tag} принтер {i}",
                        message_id=f"<{tag}-{i}@example.com>", body=f"Не печатает {i}\n" * 3,
                        attachments=[("scan.pdf", b"%PDF" + bytes([i]) * 500, "application/pdf")] if i % 3 == 0 else ()))
    for i in range(0, 12, 2):  # the requester answers in the thread
        out.append(mail(sender=f"{tag}-user{i % 4}@example.com", subject=f"Re: {tag} принтер {i}",
                        message_id=f"<{tag}-re{i}@example.com>", in_reply_to=f"<{tag}-{i}@example.com>",
                        body="Спасибо!\n\n> Не печатает"))
    out.append(out[3])  # the server delivered one message twice
    out.append(mail(sender=f"{tag}-list@example.com", subject=f"{tag} рассылка", message_id=f"<{tag}-l@example.com>",
                    headers={"Precedence": "list", "List-Id": "<news.example.com>"}))
    return out


def _snapshot(service_id: int, tag: str) -> list[tuple]:
    """What a person sees of each ticket: title, requester, comments, event kinds, SLA due after creation,
    outbox, files — with the tag (the only difference between the two mail sets) taken out."""
    def plain(value):  # ticket numbers differ too: the two sets share one database
        return re.sub(r"#\d+", "#N", str(value).replace(tag, "T"))
    with db.read_session() as s:
        tickets = s.scalars(select(Ticket).where(Ticket.service_id == service_id).order_by(Ticket.title)).all()
        result = []
        for t in tickets:
            requester = s.scalar(select(RequesterIdentity.address).where(
                RequesterIdentity.requester_id == t.requester_id, RequesterIdentity.channel == "email"))
            comments = [(c.body, c.is_public, c.is_system, c.channel, c.delivery_state) for c in s.scalars(
                select(Comment).where(Comment.ticket_id == t.id).order_by(Comment.id))]
            kinds = sorted(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == t.id)))
            sla = sorted((r.target, r.cycle, round((r.due_at - t.created_at).total_seconds()), r.state)
                         for r in s.scalars(select(TicketSla).where(TicketSla.ticket_id == t.id)))
            outbox = sorted((o.kind, o.state, o.recipient) for o in s.scalars(
                select(Outbox).where(Outbox.ticket_id == t.id)))
            files = sorted((a.filename, a.size) for a in s.scalars(select(Attachment).where(Attachment.ticket_id == t.id)))
            result.append((plain(t.title), plain(requester), t.status, plain(comments), kinds, sla, plain(outbox),
                           files))
        return result


def test_batches_write_the_same_tickets_comments_events_sla_and_outbox_as_one_by_one():
    one, many = _service("bone"), _service("bmany")
    counts_one = ingest_all(f"service:{one}", iter(mail_set("qone")))
    counts_many = ingest_batched(f"service:{many}", iter(mail_set("qmany")), size=7, workers=2)
    assert counts_one == counts_many == {"comments_added": 6, "duplicate": 1, "tickets_created": 12,
                                         "skipped: bulk mail (Precedence: list)": 1}
    single, batched = _snapshot(one, "qone"), _snapshot(many, "qmany")
    assert len(batched) == 12
    assert batched == single
    assert any(sla for *_rest, sla, _o, _f in batched), "the SLA policy applies"
    assert any(files for *_rest, files in batched)


def test_a_batch_again_and_a_copy_inside_one_batch_create_nothing_twice():
    service_id = _service("bagain")
    raws = mail_set("again")
    first = ingest_batched(f"service:{service_id}", iter(raws + raws[:5]), size=50, workers=0)
    assert first["tickets_created"] == 12 and first["duplicate"] == 6
    again = ingest_batched(f"service:{service_id}", iter(raws), size=8, workers=2)
    assert set(again) == {"duplicate"}
    with db.read_session() as s:
        rows = s.scalars(select(InboundMessage.external_id).where(InboundMessage.source == f"service:{service_id}"))
        assert len(list(rows)) == len(raws) - 1
        assert s.scalar(select(Requester.id).join(RequesterIdentity).where(
            RequesterIdentity.address == "again-user0@example.com")) is not None
