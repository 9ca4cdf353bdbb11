"""The batch path (a process pool, one transaction per batch) writes what the one-by-one path writes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from data import db
from data.intake import requesters
from data.models import (Attachment, Comment, InboundMessage, Outbox, Priority, Requester, RequesterIdentity, Rule,
                         RuleLog, SlaPolicy, Ticket, TicketEvent, TicketParticipant, TicketSla)
from ingest.email import new_tickets
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
            who = s.get(Requester, t.requester_id)
            copied = sorted(plain(a) for a in s.scalars(select(TicketParticipant.address)
                                                        .where(TicketParticipant.ticket_id == t.id)))
            priority = s.scalar(select(Priority.code).where(Priority.id == t.priority_id)) if t.priority_id else None
            rules_fired = sorted(s.scalars(select(RuleLog.trigger).where(RuleLog.ticket_id == t.id)))
            actors = sorted((e.kind, e.actor_requester_id == t.requester_id) for e in s.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
            result.append((plain(t.title), plain(requester), t.status, plain(comments), kinds, sla, plain(outbox),
                           files, (plain(who.name), t.channel, t.column_id is not None, t.description, priority,
                                   rules_fired, actors, copied, plain(t.fields))))
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
    assert any(sla for *_rest, sla, _o, _f, _x in batched), "the SLA policy applies"
    assert any(files for *_rest, files, _x in batched)


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


def _spy(monkeypatch) -> list[int]:
    """How many messages each batch's set-based step took."""
    taken: list[int] = []
    original = new_tickets._create

    def counting(*args, **kwargs):
        result = original(*args, **kwargs)
        taken.append(len(result))
        return result
    monkeypatch.setattr(new_tickets, "_create", counting)
    return taken


def rich_set(tag: str) -> list[bytes]:
    """New requests with files and a copied colleague, a sender whose first message has no name, an
    organisation a rule picks out, replies (one of them answering a request of the same batch) and bulk mail."""
    out = []
    for i in range(10):
        sender = f"{tag}-user{i % 5}@example.com"
        out.append(mail(sender=sender, subject=f"{tag} заявка {i}", message_id=f"<{tag}-{i}@example.com>",
                        name=f"Сотрудник {i % 5}" if i > 2 else "", body=f"Текст {i}\n" * 2,
                        headers={"Cc": f"{tag}-boss@example.com"} if i % 4 == 1 else None,
                        attachments=[("акт.pdf", b"%PDF" + bytes([i]) * 900, "application/pdf"),
                                     ("photo.jpg", b"\xff\xd8" + bytes([i]) * 300, "image/jpeg")] if i % 2 else ()))
        if i == 4:  # a reply in the middle of the batch, to a request of this very batch
            out.append(mail(sender=f"{tag}-user0@example.com", subject=f"Re: {tag} заявка 0",
                            message_id=f"<{tag}-re0@example.com>", in_reply_to=f"<{tag}-0@example.com>",
                            body="Уточнение"))
    out.append(mail(sender=f"{tag}-robot@example.com", subject=f"{tag} отчёт", message_id=f"<{tag}-auto@example.com>",
                    headers={"Auto-Submitted": "auto-generated"}))
    return out


def test_set_based_new_requests_with_files_auto_replies_and_a_rule_write_what_one_by_one_writes(monkeypatch):
    one, many = _service("rone"), _service("rmany")
    with db.session_scope() as s:
        urgent = s.scalar(select(Priority).where(Priority.code == "rush")) or factories.priority(s, "rush", 1)
        for tag in ("rqone", "rqmany"):  # a known requester of the organisation the rule is about
            requesters.find_or_create_by_email(s, f"{tag}-user3@example.com", "Сотрудник 3").organisation = "Acme"
        created = Rule(name="Acme first", trigger="created", actions=[{"type": "set_priority", "priority_id": urgent.id}],
                       conditions={"service_ids": [one, many], "organisations": ["Acme"]})
        answered = Rule(name="requester wrote", trigger="commented", trigger_options={"author": "requester"},
                        actions=[{"type": "set_priority", "priority_id": urgent.id}],
                        conditions={"service_ids": [one, many]})
        s.add_all([created, answered])
        s.flush()
        rule_ids, rush = [created.id, answered.id], urgent.code
    try:
        counts_one = ingest_all(f"service:{one}", iter(rich_set("rqone")))
        taken = _spy(monkeypatch)
        counts_many = ingest_batched(f"service:{many}", iter(rich_set("rqmany")), size=50, workers=0)
    finally:
        with db.session_scope() as s:
            for rule in s.scalars(select(Rule).where(Rule.id.in_(rule_ids))):
                rule.is_active = False
    assert counts_one == counts_many
    assert counts_many["tickets_created"] == 10 and counts_many["comments_added"] == 1
    # Not taken: the two of Acme's requester (the rule fires) and user0's request after their reply (in order).
    assert taken == [7]
    single, batched = _snapshot(one, "rqone"), _snapshot(many, "rqmany")
    assert batched == single
    by_title = {t[0]: t for t in batched}
    assert by_title["T заявка 3"][-1][4] == rush and by_title["T заявка 3"][-1][5] == ["created"]
    assert by_title["T заявка 0"][-1][4] == rush, "the reply fired the comment rule"
    assert by_title["T заявка 1"][-1][-2] == ["T-boss@example.com", "help@okno.test"] and len(by_title["T заявка 1"][-2]) == 2
    assert all(o.startswith("[('auto_reply', 'queued'") for *_r, o, _f, _x in batched), "every request got its auto-reply"


def test_set_based_intake_can_be_turned_off_and_takes_nothing_then(monkeypatch):
    service_id = _service("boff")
    monkeypatch.setenv("OKNO_EMAIL_SET_INTAKE", "0")
    taken = _spy(monkeypatch)
    counts = ingest_batched(f"service:{service_id}", iter(mail_set("qoff")), size=50, workers=0)
    assert counts["tickets_created"] == 12 and taken == []


def test_the_same_new_request_twice_in_two_batches_is_one_ticket(monkeypatch):
    service_id = _service("btwice")
    taken = _spy(monkeypatch)
    raws = [mail(sender="twice@example.com", subject="Дважды", message_id="<twice-1@example.com>")]
    first = ingest_batched(f"service:{service_id}", iter(raws), size=10, workers=0)
    again = ingest_batched(f"service:{service_id}", iter(raws * 2), size=10, workers=0)
    assert first == {"tickets_created": 1} and again == {"duplicate": 2} and taken == [1]
    with db.read_session() as s:
        assert len(s.scalars(select(Ticket.id).where(Ticket.service_id == service_id)).all()) == 1


def test_when_the_set_based_step_fails_its_messages_go_one_by_one_and_nothing_of_it_stays(monkeypatch):
    one, many = _service("fone"), _service("fmany")
    ingest_all(f"service:{one}", iter(mail_set("qfone")))

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")  # after requesters, tickets, events and files were written
    monkeypatch.setattr(new_tickets, "_auto_replies", broken)
    counts = ingest_batched(f"service:{many}", iter(mail_set("qfmany")), size=50, workers=0)
    assert counts["tickets_created"] == 12 and counts["comments_added"] == 6
    assert _snapshot(many, "qfmany") == _snapshot(one, "qfone")
