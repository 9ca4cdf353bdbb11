"""Approvals: a request type's steps (person, role, group, manager; all or any) hold a new request in a
waiting column with its SLA clock paused; approvers decide from the web, an email link or Telegram; a
rejection resolves the request with the reason; every decision is in the history and the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from sqlalchemy import select

from data.approvals import config as approval_config
from data.approvals import decide, view
from data.errors import NotFound, PermissionDenied, ValidationError
from data.intake import requesters
from data.intake import submit as intake
from data.models import (ApprovalFlow, AuditEntry, Comment, DirectoryAccount, Notification, Outbox, SlaPolicy,
                         TicketApproval, TicketEvent)
from data.sla import recompute as sla
from tests import factories as f
from tests.portal_factories import desk, request_type

# The requester's address is this process's own: other test files commit requests from an olga@example.com.
OLGA = f"olga.{uuid4().hex[:8]}@example.com"
T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=5)


def hr_desk(session, steps, requester=None, **kw):
    d = desk(session)
    d["team"].lead_id = d["lead"].id
    rt = request_type(session, d["service"], fields=[], name="Отпуск")
    approval_config.save(session, f.user(session, "admin"), rt.id, {"steps": steps})
    req = requester or requesters.find_or_create_by_email(session, OLGA, "Ольга")
    t = intake.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="Отпуск с 1 июля",
                      channel="portal", at=kw.get("at"))
    return d, rt, req, t


def rows(session, t, step=None):
    stmt = select(TicketApproval).where(TicketApproval.ticket_id == t.id).order_by(TicketApproval.id)
    return [r for r in session.scalars(stmt) if step is None or r.step == step]


def test_a_request_waits_in_a_waiting_column_and_each_approver_is_asked_in_their_channel(session):
    boss = f.user(session, "director", name="Босс")
    boss.notify_channel, boss.telegram_chat_id = "telegram", "777001"
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    assert t.status == "waiting" and view.state_of(session, t.id) == "pending"
    (row,) = rows(session, t)
    assert row.approver_id == boss.id and row.decision is None
    out = session.scalars(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "approval")).all()
    assert [(o.channel, o.recipient) for o in out] == [("telegram", "777001")]
    assert out[0].payload["buttons"][0][0][1] == f"ap:{row.id}:y"
    assert session.scalar(select(Notification.text).where(Notification.user_id == boss.id,
                                                          Notification.kind == "approval"))
    assert view.waiting_for(session, boss)[0]["number"] == t.number
    assert view.for_requester(session, t.id) == {"state": "pending", "reason": None}
    from data.boards import view as board_view
    cols = board_view.columns(session, d["lead"], d["board"])
    cards = [c for col in cols.values() for cell in col["cells"].values() for c in cell["cards"]]
    assert [(c["approval"], cols[t.column_id]["kind"]) for c in cards if c["number"] == t.number] == \
        [("pending", "waiting")]


def test_all_step_needs_everyone_then_the_next_step_then_the_card_goes_to_work(session):
    hr = f.team(session, name="HR lead group")
    hr_lead = f.user(session, "manager", hr, name="HR lead")
    d0 = f.user(session, "director", name="Dir A")
    d1 = f.user(session, "director", name="Dir B")
    steps = [{"kind": "role", "ref": "director", "mode": "all"}, {"kind": "group", "ref": hr.id, "mode": "any"}]
    d, rt, req, t = hr_desk(session, steps)
    first = {r.approver_id for r in rows(session, t, 0)}
    assert {d0.id, d1.id} <= first
    assert rows(session, t, 1) == []  # the next step asks only once this one is settled
    directors = [r for r in rows(session, t, 0)]
    for r in directors[:-1]:
        decide.decide(session, session.get(type(hr_lead), r.approver_id), r.id, "approved", "ок")
    assert rows(session, t, 1) == [] and t.status == "waiting"
    last = directors[-1]
    decide.decide(session, session.get(type(hr_lead), last.approver_id), last.id, "approved")
    (hr_row,) = rows(session, t, 1)
    assert hr_row.approver_id == hr_lead.id
    decide.decide(session, hr_lead, hr_row.id, "approved", "Согласовано")
    session.refresh(t)
    assert view.state_of(session, t.id) == "approved"
    assert t.status == "queue" and t.column_id == d["service"].column_id
    kinds = [e.to_value for e in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                                             TicketEvent.kind == "approval")
                                                 .order_by(TicketEvent.id))]
    assert kinds[0] == "pending" and kinds[-1] == "approved" and kinds.count("approved") == len(directors) + 2
    audits = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "ticket",
                                                             AuditEntry.object_id == str(t.id))).all()
    assert audits.count("approval.approve") == len(directors) + 1


def test_any_step_is_settled_by_the_first_decision_and_a_late_one_is_refused(session):
    hr = f.team(session)
    a = f.user(session, "agent", hr)
    b = f.user(session, "agent", hr)
    d, rt, req, t = hr_desk(session, [{"kind": "group", "ref": hr.id, "mode": "any"}])
    ra, rb = rows(session, t)
    decide.decide(session, a, ra.id, "approved")
    assert view.state_of(session, t.id) == "approved"
    with pytest.raises(ValidationError) as err:
        decide.decide(session, b, rb.id, "rejected", "поздно")
    assert err.value.key == "approvals.error.closed"
    with pytest.raises(ValidationError) as err:  # the same approver twice
        decide.decide(session, a, ra.id, "rejected")
    assert err.value.key == "approvals.error.used"


def test_a_non_approver_is_refused_in_the_service(session):
    boss = f.user(session, "director")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    (row,) = rows(session, t)
    with pytest.raises(PermissionDenied):
        decide.decide(session, d["alice"], row.id, "approved")
    with pytest.raises(PermissionDenied):
        decide.decide(session, None, row.id, "approved")
    with pytest.raises(ValidationError):
        decide.decide(session, boss, row.id, "maybe")
    assert view.state_of(session, t.id) == "pending"


def test_rejection_resolves_the_request_with_the_reason_for_the_requester(session):
    boss = f.user(session, "director", name="Пётр Иванович")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "all"},
                                      {"kind": "role", "ref": "director", "mode": "any"}])
    (row,) = rows(session, t)
    decide.decide(session, boss, row.id, "rejected", "В июле аудит, перенесите на август")
    session.refresh(t)
    assert t.status == "done" and t.resolved_at is not None
    assert view.for_requester(session, t.id) == {"state": "rejected", "reason": "В июле аудит, перенесите на август"}
    reply = session.scalar(select(Comment).where(Comment.ticket_id == t.id, Comment.is_public.is_(True))
                           .order_by(Comment.id.desc()).limit(1))
    assert "В июле аудит" in reply.body and "Пётр Иванович" in reply.body
    assert session.scalar(select(Outbox.recipient).where(Outbox.comment_id == reply.id)) == OLGA
    assert rows(session, t, 1) == []  # the later step is never asked
    assert not session.scalars(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "csat")).all()


def test_email_link_token_is_single_use_and_expires(session):
    boss = f.user(session, "director")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    mail = session.scalar(select(Outbox).where(Outbox.ticket_id == t.id, Outbox.kind == "approval"))
    assert mail.channel == "email" and mail.recipient == boss.email
    token = mail.body.split("/approval/")[1].split("?")[0]
    assert "?d=approve" in mail.body and "?d=reject" in mail.body
    (row,) = rows(session, t)
    assert row.token_hash != token and len(row.token_hash) == 64  # only the hash is kept
    with pytest.raises(NotFound):
        decide.decide_with_token(session, token[:-2] + "xx", "approved")
    with pytest.raises(ValidationError) as err:
        decide.decide_with_token(session, token, "approved", now=datetime.now(timezone.utc) + timedelta(days=8))
    assert err.value.key == "approvals.error.expired"
    decide.decide_with_token(session, token, "approved", "да")
    assert (row.decision, row.channel, row.comment) == ("approved", "email", "да")
    with pytest.raises(ValidationError) as err:
        decide.decide_with_token(session, token, "rejected")
    assert err.value.key == "approvals.error.used"


def test_telegram_decision_needs_the_approvers_own_chat(session):
    boss = f.user(session, "director")
    boss.notify_channel, boss.telegram_chat_id = "telegram", "5550001"
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    (row,) = rows(session, t)
    with pytest.raises(NotFound):
        decide.decide_from_chat(session, "9999999", row.id, "approved")
    with pytest.raises(NotFound):
        decide.decide_from_chat(session, "5550001", row.id + 1000, "approved")
    decide.decide_from_chat(session, "5550001", row.id, "approved")
    assert view.state_of(session, t.id) == "approved"


def test_manager_comes_from_the_requester_or_the_directory(session):
    manager = f.user(session, "manager", name="Руководитель")
    session.add(DirectoryAccount(user_id=manager.id, dn="uid=boss,ou=people,dc=okno,dc=test", login="boss"))
    employee = f.user(session, "agent", email=OLGA)  # the requester is on staff too
    session.add(DirectoryAccount(user_id=employee.id, dn="uid=olga,ou=people,dc=okno,dc=test", login="olga",
                                 manager_dn="UID=boss, OU=people, DC=okno, DC=test"))
    session.flush()
    d, rt, req, t = hr_desk(session, [{"kind": "manager", "ref": None, "mode": "any"}])
    assert [r.approver_id for r in rows(session, t)] == [manager.id]
    other = f.user(session, "manager", name="Назначенный руководитель")
    req.manager_id = other.id  # set by hand: wins over the directory
    d2, rt2, _r, t2 = hr_desk(session, [{"kind": "manager", "ref": None, "mode": "any"}], requester=req)
    assert [r.approver_id for r in rows(session, t2)] == [other.id]


def test_a_step_nobody_can_decide_goes_to_the_team_lead(session):
    lonely = f.requester(session, email="nobody@example.com")
    d, rt, req, t = hr_desk(session, [{"kind": "manager", "ref": None, "mode": "any"}], requester=lonely)
    assert [r.approver_id for r in rows(session, t)] == [d["lead"].id]


def test_the_sla_clock_is_paused_while_waiting_for_approval(session):
    boss = f.user(session, "director")
    d = desk(session)
    session.add(SlaPolicy(name="HR 8h", resolution_minutes=8 * 60, conditions={"service_ids": [d["service"].id]}))
    session.flush()
    rt = request_type(session, d["service"], fields=[], name="Отпуск")
    approval_config.save(session, f.user(session, "admin"), rt.id,
                         {"steps": [{"kind": "person", "ref": boss.id, "mode": "any"}]})
    req = requesters.find_or_create_by_email(session, OLGA, "Ольга")
    t = intake.submit(session, req, service_id=d["service"].id, request_type_id=rt.id, title="Отпуск", channel="portal",
                      at=T0)
    (row,) = rows(session, t)
    decide.decide(session, boss, row.id, "approved", now=T0 + timedelta(hours=2))
    (clock,) = [c for c in sla.ticket_sla_summary(session, t.id, now=T0 + timedelta(hours=3))
                if c["target"] == "resolution"]
    assert clock["paused_seconds"] == pytest.approx(2 * 3600, abs=5)
    assert clock["elapsed_seconds"] == pytest.approx(3600, abs=5)
    assert clock["state"] == "running"


def test_with_the_pause_off_the_card_stays_in_its_column(session, monkeypatch):
    from data import config
    import dataclasses
    monkeypatch.setattr(config, "get_config", lambda: dataclasses.replace(config.Config(), approval_pauses_sla=False))
    monkeypatch.setattr("data.approvals.start.get_config", config.get_config)
    boss = f.user(session, "director")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    assert t.status == "queue" and view.state_of(session, t.id) == "pending"
    assert session.get(ApprovalFlow, t.id).return_column_id is None


def test_a_full_routed_column_does_not_undo_the_approval(session):
    boss = f.user(session, "director")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    queue = f.column(d["board"], "queue")
    queue.wip_limit, queue.wip_hard = 1, True
    other = intake.submit(session, req, service_id=d["service"].id, title="Занимает место", channel="portal")
    assert other.column_id == queue.id
    (row,) = rows(session, t)
    decide.decide(session, boss, row.id, "approved")
    session.refresh(t)
    assert view.state_of(session, t.id) == "approved" and t.status == "waiting"


def test_config_refuses_bad_steps_and_needs_an_admin(session):
    admin = f.user(session, "admin")
    d = desk(session)
    rt = request_type(session, d["service"], fields=[])
    for bad in ([{"kind": "robot", "mode": "any"}], [{"kind": "role", "ref": "king", "mode": "any"}],
                [{"kind": "person", "ref": 10**8, "mode": "any"}], [{"kind": "manager", "mode": "most"}]):
        with pytest.raises(ValidationError):
            approval_config.save(session, admin, rt.id, {"steps": bad})
    with pytest.raises(PermissionDenied):
        approval_config.save(session, d["lead"], rt.id, {"steps": [{"kind": "manager", "mode": "any"}]})
    approval_config.save(session, admin, rt.id, {"steps": []})
    assert rt.approval == {}


def test_the_requester_sees_waiting_for_approval_then_the_reason_of_a_rejection(session):
    from data.intake import portal
    boss = f.user(session, "director")
    d, rt, req, t = hr_desk(session, [{"kind": "person", "ref": boss.id, "mode": "any"}])
    mine = portal.my_requests(session, req, "ru")
    assert [(r["number"], r["status_label"]) for r in mine] == [(t.number, "На согласовании")]
    assert portal.request_view(session, req, t.number, "en")["status_label"] == "Waiting for approval"
    (row,) = rows(session, t)
    decide.decide(session, boss, row.id, "rejected", "Нет замены на эти даты")
    page = portal.request_view(session, req, t.number, "ru")
    assert page["status"] == "done" and page["status_label"] != "На согласовании"
    assert any("Нет замены на эти даты" in c["body"] for c in page["conversation"])


def test_an_admin_may_settle_a_waiting_step_in_their_own_name(session):
    hr = f.team(session)
    f.user(session, "agent", hr)
    f.user(session, "agent", hr)
    admin = f.user(session, "admin", name="Админ")
    d, rt, req, t = hr_desk(session, [{"kind": "group", "ref": hr.id, "mode": "all"}])
    assert [r["number"] for r in view.waiting_for_others(session, admin)].count(t.number) == 1
    assert view.waiting_for_others(session, d["lead"]) == []
    first = rows(session, t)[0]
    decide.decide(session, admin, first.id, "approved", "Согласующие в отпуске")
    assert t.number not in [r["number"] for r in view.waiting_for_others(session, admin)]
    assert view.state_of(session, t.id) == "approved"
    mine = [r for r in rows(session, t) if r.approver_id == admin.id]
    assert [(r.decision, r.comment) for r in mine] == [("approved", "Согласующие в отпуске")]
