"""The batch path (a process pool, one transaction per batch) writes what the one-by-one path writes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from data import db
from data.intake import requesters
from data.models import (Attachment, Board, Comment, InboundMessage, Notification, Outbox, Priority, Requester,
                         RequesterIdentity, Rule, RuleLog, SlaPolicy, Ticket, TicketEvent, TicketParticipant, TicketSla)
from data.tickets import actions as tickets
from ingest.email import new_tickets, replies
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
    taken, answered = _spy(monkeypatch), _spy_replies(monkeypatch)
    counts = ingest_batched(f"service:{service_id}", iter(mail_set("qoff")), size=50, workers=0)
    assert counts["tickets_created"] == 12 and counts["comments_added"] == 6 and taken == answered == []


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


# ---- replies written together (ingest/email/replies.py) ----

def _reply_service(code: str) -> int:
    """A service with an SLA that has a next-response target: a requester's reply starts that clock."""
    with db.session_scope() as s:
        board = factories.board(s, name=f"Replies {code}")
        service = factories.service(s, board, code=code, name=f"Replies {code}")
        s.add(SlaPolicy(name=f"sla {code}", first_response_minutes=60, next_response_minutes=120,
                        resolution_minutes=480, conditions={"service_ids": [service.id]}))
        return service.id


def _threads(tag: str, service_id: int) -> dict[str, int]:
    """Tickets to answer, made one at a time: r0 answered by an agent, r1 and r2 with a colleague in Cc, r3
    waiting for the requester (SLA paused), r4 resolved, r5 plain; the colleague and a stranger are requesters
    of their own tickets. {name: ticket number}."""
    def one(name, sender, cc=None):
        return mail(sender=f"{tag}-{sender}@example.com", subject=f"{tag} {name}", message_id=f"<{tag}-{name}@example.com>",
                    body=f"Запрос {name}", headers={"Cc": f"{tag}-boss@example.com"} if cc else None)
    raws = [one("r0", "user0"), one("r1", "user1", cc=True), one("r2", "user2", cc=True), one("r3", "user3"),
            one("r4", "user4"), one("r5", "user5"), one("own-boss", "boss"), one("own-stranger", "stranger")]
    ingest_all(f"service:{service_id}", iter(raws))
    with db.session_scope() as s:
        found = {t.title.split()[-1]: t for t in s.scalars(select(Ticket).where(Ticket.service_id == service_id))}
        agent = factories.user(s, role="agent")
        tickets.comment(s, agent, found["r0"].id, "Проверьте кабель", public=True)
        board = s.get(Board, found["r3"].board_id)
        tickets.move(s, agent, found["r3"].id, factories.column(board, "waiting").id)
        tickets.move(s, agent, found["r4"].id, factories.column(board, "done").id)
        return {name: t.number for name, t in found.items()}


def reply_set(tag: str, numbers: dict[str, int]) -> list[bytes]:
    """The batch: replies of every kind the set takes, a new request and replies to it and to a reply of
    this batch, and the ones that stay per message (a resolved ticket, an unknown sender, what follows it)."""
    def reply(n, sender, to, body, **kw):
        return mail(sender=f"{tag}-{sender}@example.com", subject=kw.pop("subject", f"Re: {tag} {to}"),
                    message_id=f"<{tag}-re{n}@example.com>", body=body, **kw)
    new = mail(sender=f"{tag}-new@example.com", subject=f"{tag} n0", message_id=f"<{tag}-n0@example.com>",
               body="Новая заявка")
    out = [
        reply(0, "user0", "r0", "Кабель в порядке", in_reply_to=f"<{tag}-r0@example.com>",  # with a file
              attachments=[("фото.jpg", b"\xff\xd8" + b"0" * 700, "image/jpeg")]),
        new,
        reply(2, "boss", "r1", "Подтверждаю", in_reply_to=f"<{tag}-r1@example.com>",  # copied: public, adds Cc
              headers={"Cc": f"{tag}-colleague@example.com"}),
        reply(3, "stranger", "r2", "А у меня тоже", in_reply_to=f"<{tag}-r2@example.com>"),  # an internal note
        reply(4, "user3", "r3", "Вот данные", in_reply_to=f"<{tag}-r3@example.com>"),  # SLA paused: waiting
        reply(5, "user4", "r4", "Снова сломалось", in_reply_to=f"<{tag}-r4@example.com>"),  # resolved: per message
        reply(6, "new", "n0", "Дополнение", in_reply_to=f"<{tag}-n0@example.com>"),  # to a request of this batch
        reply(7, "user0", "r0", "И ещё", in_reply_to=f"<{tag}-re0@example.com>",  # to a reply of this batch
              references=f"<{tag}-r0@example.com> <{tag}-re0@example.com>"),
        reply(8, "user5", "r5", "По номеру", subject=f"Re: [#{numbers['r5']}] {tag} r5"),  # our token only
        reply(9, "user5", "r5", "Второй ответ", in_reply_to=f"<{tag}-r5@example.com>"),
        reply(10, "nobody", "r5", "Я тоже", in_reply_to=f"<{tag}-r5@example.com>"),  # no requester yet
        reply(11, "user5", "r5", "Третий ответ", in_reply_to=f"<{tag}-r5@example.com>"),  # after it: per message
    ]
    return out + [out[0]]  # and the server delivered the first one twice


def _reply_snapshot(service_id: int, tag: str) -> list[tuple]:
    """What a person sees of each ticket after the replies: its status, version (one bump per change),
    comments (author, public or not, unknown-sender mark, external id, files), events, participants, outbox,
    notifications, the SLA clocks from their start — and what became of each raw message."""
    def plain(value):  # the two runs differ only by their tag, ticket numbers and rating links
        return re.sub(r"/rate/[\w-]+", "/rate/X", re.sub(r"#\d+", "#N", str(value).replace(tag, "T")))
    with db.read_session() as s:
        result = []
        for t in s.scalars(select(Ticket).where(Ticket.service_id == service_id).order_by(Ticket.title)):
            comments = [(c.body, c.is_public, c.is_system, c.author_requester_id == t.requester_id,
                         c.author_requester_id is not None, c.from_unknown_sender, c.delivery_state,
                         plain(c.external_id), sorted((a.filename, a.size) for a in s.scalars(
                             select(Attachment).where(Attachment.comment_id == c.id))))
                        for c in s.scalars(select(Comment).where(Comment.ticket_id == t.id).order_by(Comment.id))]
            history = sorted((e.kind, e.to_value or "", e.actor_requester_id == t.requester_id,
                              e.actor_requester_id is not None,
                              sorted((k, v) for k, v in (e.data or {}).items() if k in ("system", "unknown_sender")))
                             for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)))
            copied = sorted(plain(a) for a in s.scalars(select(TicketParticipant.address)
                                                        .where(TicketParticipant.ticket_id == t.id)))
            outbox = sorted(plain((o.kind, o.state, o.recipient, o.subject, o.body)) for o in s.scalars(
                select(Outbox).where(Outbox.ticket_id == t.id)))
            told = s.scalar(select(func.count()).select_from(Notification).where(Notification.ticket_id == t.id))
            clocks = sorted((c.target, c.cycle, c.state, c.stopped_at is None,
                             round((c.due_at - c.started_at).total_seconds()) if c.due_at and c.started_at else None)
                            for c in s.scalars(select(TicketSla).where(TicketSla.ticket_id == t.id)))
            last = s.scalar(select(func.max(Comment.created_at)).where(Comment.ticket_id == t.id))
            result.append((plain(t.title), t.status, t.version, comments, history, copied, outbox, told, clocks,
                           t.updated_at >= last if last else None))
        rows = s.execute(select(InboundMessage.external_id, InboundMessage.state, InboundMessage.reason_key,
                                Ticket.title, Comment.body).outerjoin(Ticket, Ticket.id == InboundMessage.ticket_id)
                         .outerjoin(Comment, Comment.id == InboundMessage.comment_id)
                         .where(InboundMessage.source == f"service:{service_id}")).all()
        result.append(sorted(plain(tuple(r)) for r in rows))
        return result


def _spy_replies(monkeypatch) -> list[int]:
    taken: list[int] = []
    original = replies._write

    def counting(*args, **kwargs):
        result = original(*args, **kwargs)
        taken.append(len(result))
        return result
    monkeypatch.setattr(replies, "_write", counting)
    return taken


def _two_runs(monkeypatch, code: str):
    """The same threads and reply batch for two services: one message a transaction, then in a batch."""
    one, many = _reply_service(f"{code}one"), _reply_service(f"{code}many")
    with db.session_scope() as s:  # a rule on comments that holds for nobody here: checked, never fired
        rule = Rule(name=f"Acme answered {code}", trigger="commented", trigger_options={"author": "requester"},
                    actions=[{"type": "set_priority", "priority_id": None}],
                    conditions={"service_ids": [one, many], "organisations": ["Acme"]})
        s.add(rule)
        s.flush()
        rule_id = rule.id
    try:
        counts_one = ingest_all(f"service:{one}", iter(reply_set(f"{code}1", _threads(f"{code}1", one))))
        raws = reply_set(f"{code}2", _threads(f"{code}2", many))
        taken = _spy_replies(monkeypatch)
        counts_many = ingest_batched(f"service:{many}", iter(raws), size=50, workers=0)
    finally:
        with db.session_scope() as s:
            s.get(Rule, rule_id).is_active = False
    return (one, f"{code}1", counts_one), (many, f"{code}2", counts_many), taken, raws


def test_set_based_replies_write_what_one_by_one_writes(monkeypatch):
    (one, tag_one, counts_one), (many, tag_many, counts_many), taken, raws = _two_runs(monkeypatch, "rp")
    assert counts_one == counts_many == {"comments_added": 11, "duplicate": 1, "tickets_created": 1}
    # Together: 0, 2, 3, 4, 6, 7, 8, 9. Per message: the resolved ticket (5), the unknown sender (10) and,
    # after it on the same ticket, 11.
    assert taken == [8]
    single, batched = _reply_snapshot(one, tag_one), _reply_snapshot(many, tag_many)
    assert batched == single
    by_title = {t[0]: t for t in batched[:-1]}
    assert by_title["T r4"][1] != "done", "the reply reopened the resolved ticket"
    assert [c[0] for c in by_title["T r5"][3]] == ["По номеру", "Второй ответ", "Я тоже", "Третий ответ"]
    assert by_title["T r2"][3][-1][1:6] == (False, False, False, True, True), "the stranger's is an internal note"
    assert by_title["T r1"][3][-1][1] is True and "T-colleague@example.com" in by_title["T r1"][5]
    assert by_title["T r0"][3][1][-1] == [("фото.jpg", 702)], "the reply's file is on its comment"
    assert ("next_response", 1, "running", True, 7200) in by_title["T r0"][8]
    assert [c[0] for c in by_title["T n0"][3]] == ["Дополнение"]

    again = ingest_batched(f"service:{many}", iter(raws), size=5, workers=0)  # the same messages again
    assert again == {"duplicate": len(raws)}
    assert _reply_snapshot(many, tag_many) == batched, "one comment per message however often it comes"


def test_when_the_set_of_replies_fails_its_messages_go_one_by_one(monkeypatch):
    calls = []
    real = replies.set_committed_value

    def failing_late(*args):  # the last step: some loaded tickets already have their new version
        calls.append(args)
        if len(calls) > 3:
            raise RuntimeError("lost connection")
        return real(*args)
    monkeypatch.setattr(replies, "set_committed_value", failing_late)
    (one, tag_one, counts_one), (many, tag_many, counts_many), _taken, _raws = _two_runs(monkeypatch, "rf")
    assert len(calls) > 3
    assert counts_one == counts_many
    assert _reply_snapshot(many, tag_many) == _reply_snapshot(one, tag_one)
