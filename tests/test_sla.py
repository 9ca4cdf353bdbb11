"""SLA on real tickets: computed in the same transaction as each change, from the event history."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from data.sla import recompute as sla
from data.tickets import actions as tickets
from data.models import BusinessCalendar, SlaPolicy, TicketSla
from data.sla.signal import signal
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def nine_to_six(session) -> BusinessCalendar:
    cal = BusinessCalendar(name=f"9-18 {id(session)}-{datetime.now().timestamp()}", timezone="Europe/Moscow",
                           hours={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    session.add(cal)
    session.flush()
    return cal


def policy(session, cal, *, service=None, priority=None, first=10, resolution=8 * 60, nxt=None, position=0):
    p = SlaPolicy(name=f"P{position}", position=position, first_response_minutes=first,
                  first_response_calendar_id=cal.id if cal else None, resolution_minutes=resolution,
                  resolution_calendar_id=cal.id if cal else None, next_response_minutes=nxt,
                  next_response_calendar_id=cal.id if cal else None,
                  conditions={"service_ids": [service.id] if service else [],
                              "priority_ids": [priority.id] if priority else []})
    session.add(p)
    session.flush()
    return p


def setup(session):
    agent = f.user(session, "agent")
    board = f.board(session)
    service = f.service(session, board)
    requester = f.requester(session, email="r@example.com")
    return agent, board, service, requester


def test_new_ticket_gets_due_times_and_the_board_signal(session):
    agent, board, service, requester = setup(session)
    cal = nine_to_six(session)
    policy(session, cal, service=service)
    t = tickets.create(session, agent, title="Printer", board_id=board.id, service_id=service.id,
                       requester_id=requester.id, at=msk(2026, 11, 20, 17, 55))
    assert t.first_response_due_at == msk(2026, 11, 23, 9, 5)
    assert t.resolution_due_at == msk(2026, 11, 23, 16, 55)  # 5 min on Friday, 7 h 55 min on Monday
    assert t.sla_due_at == t.first_response_due_at
    assert t.sla_at_risk_at == msk(2026, 11, 23, 9, 3)  # 20 % of ten minutes left
    assert signal(due_at=t.sla_due_at, at_risk_at=t.sla_at_risk_at, breached=False,
                  now=msk(2026, 11, 23, 9, 4)) == "at_risk"
    stored = session.scalar(select(TicketSla.due_at).where(TicketSla.ticket_id == t.id,
                                                           TicketSla.target == "first_response"))
    assert stored == msk(2026, 11, 23, 9, 5)


def test_internal_notes_and_auto_replies_are_not_a_first_response(session):
    agent, board, service, requester = setup(session)
    policy(session, None, service=service, first=60)
    created = datetime.now(timezone.utc) - timedelta(minutes=30)
    t = tickets.create(session, agent, title="VPN", board_id=board.id, service_id=service.id,
                       requester_id=requester.id, at=created)
    tickets.comment(session, agent, t.id, "checking logs", public=False)
    tickets.comment(session, None, t.id, "We got your request", public=True, system=True)
    assert t.sla_due_at == created + timedelta(minutes=60)
    tickets.comment(session, agent, t.id, "Please restart the client", public=True)
    summary = {s["target"]: s for s in sla.ticket_sla_summary(session, t.id)}
    assert summary["first_response"]["state"] == "met"
    assert summary["resolution"]["state"] == "running" and summary["resolution"]["signal"] == "ok"
    assert t.sla_due_at == created + timedelta(minutes=8 * 60)  # now the resolution clock is the nearest


def test_waiting_column_pauses_and_reopen_starts_a_new_cycle(session):
    agent, board, service, requester = setup(session)
    policy(session, None, service=service, first=None, resolution=120)
    start = datetime.now(timezone.utc) - timedelta(hours=5)
    t = tickets.create(session, agent, title="Access", board_id=board.id, service_id=service.id,
                       requester_id=requester.id, at=start)
    tickets.move(session, agent, t.id, f.column(board, "waiting").id, at=start + timedelta(minutes=30))
    assert t.sla_due_at is None and t.sla_at_risk_at is None  # paused: nothing counts down
    tickets.move(session, agent, t.id, f.column(board, "in_progress").id, at=start + timedelta(hours=2, minutes=30))
    assert t.resolution_due_at == start + timedelta(hours=4)  # 30 min used, 90 min left after the pause
    assert t.sla_resolution_breached is True  # it is five hours later now
    tickets.move(session, agent, t.id, f.column(board, "done").id, at=start + timedelta(hours=4, minutes=30))
    tickets.move(session, agent, t.id, f.column(board, "in_progress").id)
    rows = session.execute(select(TicketSla.cycle, TicketSla.state, TicketSla.paused_seconds)
                           .where(TicketSla.ticket_id == t.id).order_by(TicketSla.cycle)).all()
    assert [(r.cycle, r.state) for r in rows] == [(1, "breached"), (2, "running")]
    assert rows[0].paused_seconds == 2 * 3600
    assert t.sla_resolution_breached is False  # the new cycle is in time; the first one stays in history


def test_first_matching_policy_wins_and_priority_change_switches_policy(session):
    agent, board, service, requester = setup(session)
    urgent, normal = f.priority(session, "urgent"), f.priority(session, "normal")
    fast = policy(session, None, priority=urgent, first=15, position=0)
    slow = policy(session, None, first=240, position=1)
    t = tickets.create(session, agent, title="Mail down", board_id=board.id, priority_id=normal.id,
                       requester_id=requester.id)
    assert t.sla_policy_id == slow.id
    tickets.set_priority(session, agent, t.id, urgent.id)
    assert t.sla_policy_id == fast.id
    assert t.first_response_due_at == t.created_at + timedelta(minutes=15)


def test_backfill_computes_imported_history(session, engine):
    agent, board, service, requester = setup(session)
    t = tickets.create(session, agent, title="Old", board_id=board.id, service_id=service.id,
                       at=msk(2025, 1, 10, 10, 0))
    tickets.move(session, agent, t.id, f.column(board, "done").id, at=msk(2025, 1, 10, 12, 0))
    assert t.sla_policy_id is None  # no policy existed yet
    policy(session, None, service=service, first=None, resolution=60)
    sla.recompute_all(session, [t.id])
    row = session.scalar(select(TicketSla).where(TicketSla.ticket_id == t.id))
    assert (row.state, row.breached, row.elapsed_seconds) == ("breached", True, 7200)
    session.refresh(t)
    assert t.sla_resolution_breached is True and t.sla_due_at is None


def test_a_large_batch_writes_through_the_staging_tables_the_same_results(session, monkeypatch):
    """Batches of store.BULK tickets or more travel by COPY: the same clocks, pruned cycles and ticket columns."""
    from data.sla import policies as sla_policies
    from data.sla import store
    agent, board, service, requester = setup(session)
    cal = nine_to_six(session)
    ts = [tickets.create(session, agent, title=f"Batch {i}", board_id=board.id, service_id=service.id,
                         at=msk(2025, 1, 13, 10, i)) for i in range(3)]
    tickets.move(session, agent, ts[0].id, f.column(board, "done").id, at=msk(2025, 1, 13, 12, 0))
    tickets.move(session, agent, ts[0].id, f.column(board, "in_progress").id, at=msk(2025, 1, 14, 10, 0))
    policy(session, cal, service=service, first=30, resolution=120)
    ids = [t.id for t in ts]

    def written():
        clocks = session.execute(select(TicketSla.ticket_id, TicketSla.target, TicketSla.cycle, TicketSla.state,
                                        TicketSla.due_at, TicketSla.elapsed_seconds)
                                 .where(TicketSla.ticket_id.in_(ids)).order_by(TicketSla.id)).all()
        columns = session.execute(text("SELECT id, sla_policy_id, resolution_due_at, sla_resolution_breached, "
                                       "sla_due_at FROM tickets WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids}).all()
        return sorted(clocks), columns

    now = msk(2025, 1, 20, 12, 0)
    store.recompute(session, ids, sla_policies.load(session), now)  # small batch: array parameters
    by_arrays = written()
    session.execute(text("DELETE FROM ticket_sla WHERE ticket_id = ANY(:ids)"), {"ids": ids})
    session.execute(text("UPDATE tickets SET sla_policy_id = NULL, sla_due_at = NULL WHERE id = ANY(:ids)"),
                    {"ids": ids})
    session.add(TicketSla(ticket_id=ids[1], target="resolution", cycle=7, target_seconds=1, started_at=now,
                          state="met"))  # a cycle that no longer exists: pruned
    session.flush()
    monkeypatch.setattr(store, "BULK", 1)
    store.recompute(session, ids, sla_policies.load(session), now)
    assert written() == by_arrays
    assert {c[2] for c in by_arrays[0] if c[0] == ids[0] and c[1] == "resolution"} == {1, 2}  # the reopen's cycle


def test_bulk_recompute_stores_what_recomputing_each_ticket_alone_stores(session):
    """The backfill's path (data/sla/bulk.py: COPY both ways, the batch clock) on varied histories — two
    policies on different calendars, pauses, reopens, replies and requester messages, a ticket without
    a policy — stores the clocks and ticket columns that recomputing each ticket alone stores; it puts
    wrong rows right, and when nothing changed it writes nothing."""
    from data.sla import bulk
    from data.sla import policies as sla_policies
    from data.sla import store
    agent, board, service, requester = setup(session)
    other = f.service(session, board, name="Accounting")
    lunch = BusinessCalendar(name=f"lunch {datetime.now().timestamp()}", timezone="Europe/Moscow",
                             hours={d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu")},
                             holidays=[date(2025, 1, 15)])
    session.add(lunch)
    session.flush()
    policy(session, nine_to_six(session), service=service, first=30, resolution=240, nxt=60, position=0)
    policy(session, lunch, service=other, first=120, resolution=16 * 60, position=1)
    col = {k: f.column(board, k).id for k in ("queue", "in_progress", "waiting", "done")}
    base = msk(2025, 1, 13, 8, 40)  # a Monday, before the working day
    ids = []
    for i in range(14):
        at = base + timedelta(hours=5 * i, minutes=7 * i)
        t = tickets.create(session, agent, title=f"Varied {i}", board_id=board.id,
                           service_id=(None, service.id, other.id)[i % 3] if i != 13 else None,
                           requester_id=requester.id, at=at)
        ids.append(t.id)
        if i % 4 == 1:  # waits for the requester, then work goes on
            tickets.move(session, agent, t.id, col["waiting"], at=at + timedelta(minutes=20))
            tickets.move(session, agent, t.id, col["in_progress"], at=at + timedelta(hours=26))
        if i % 4 == 2:  # done, reopened, done again
            tickets.move(session, agent, t.id, col["done"], at=at + timedelta(hours=3))
            tickets.move(session, agent, t.id, col["in_progress"], at=at + timedelta(hours=30))
            tickets.move(session, agent, t.id, col["done"], at=at + timedelta(hours=50))
        if i % 4 == 3 or i == 13:  # a conversation: auto-reply, answer, questions, a late answer
            tickets.comment(session, None, t.id, "We got your request", public=True, system=True,
                            at=at + timedelta(minutes=1))
            tickets.comment(session, agent, t.id, "Looking", public=True, at=at + timedelta(minutes=45))
            tickets.comment(session, requester, t.id, "Any news?", at=at + timedelta(hours=2))
            tickets.comment(session, requester, t.id, "Hello?", at=at + timedelta(hours=3))
            tickets.comment(session, agent, t.id, "Fixed", public=True, at=at + timedelta(hours=9))
            tickets.comment(session, requester, t.id, "Broken again", at=at + timedelta(hours=30))
        if i == 4:  # paused right now
            tickets.move(session, agent, t.id, col["waiting"], at=at + timedelta(hours=1))
    policies = sla_policies.load(session)
    now = msk(2025, 1, 17, 12, 0)

    def stored():
        clocks = session.execute(text(
            "SELECT ticket_id, target, cycle, policy_id, target_seconds, started_at, stopped_at, due_at, at_risk_at, "
            "elapsed_seconds, paused_seconds, state, breached, ctid::text FROM ticket_sla WHERE ticket_id = ANY(:ids) "
            "ORDER BY 1, 2, 3"), {"ids": ids}).all()
        columns = session.execute(text(
            "SELECT id, sla_policy_id, first_response_due_at, resolution_due_at, sla_first_response_breached, "
            "sla_resolution_breached, sla_due_at, sla_at_risk_at, ctid::text FROM tickets WHERE id = ANY(:ids) "
            "ORDER BY id"), {"ids": ids}).all()
        return [r[:-1] for r in clocks], [r[:-1] for r in columns], [r[-1] for r in clocks + columns]

    for ticket_id in ids:
        store.recompute(session, [ticket_id], policies, now)
    alone = stored()[:2]
    assert {r[11] for r in alone[0]} >= {"met", "breached", "running", "paused"}
    assert {(r[1], r[2]) for r in alone[0]} >= {("resolution", 2), ("next_response", 2)}
    assert [r[1] for r in alone[1]].count(None) >= 2  # no policy for a ticket without a service
    session.execute(text("DELETE FROM ticket_sla WHERE ticket_id = ANY(:ids)"), {"ids": ids})
    session.execute(text("UPDATE tickets SET sla_policy_id = NULL, first_response_due_at = NULL, "
                         "resolution_due_at = NULL, sla_due_at = NULL WHERE id = ANY(:ids)"), {"ids": ids})
    assert bulk.recompute(session, bulk.Scope(ids=ids), policies, now.timestamp()) == len(ids)
    assert stored()[:2] == alone
    # Wrong rows are put right: a clock's values, a cycle that does not exist, a ticket's due time.
    session.execute(text("UPDATE ticket_sla SET state = 'met', due_at = NULL WHERE ticket_id = :t"), {"t": ids[1]})
    session.execute(text("INSERT INTO ticket_sla (ticket_id, target, cycle, target_seconds, started_at, state, "
                         "elapsed_seconds, paused_seconds, breached) VALUES (:t, 'resolution', 9, 1, now(), 'met', 0, 0, "
                         "false)"), {"t": ids[2]})
    session.execute(text("UPDATE tickets SET sla_due_at = now() WHERE id = :t"), {"t": ids[3]})
    bulk.recompute(session, bulk.Scope(ids=ids), policies, now.timestamp())
    *again, versions = stored()
    assert again == list(alone)
    # Nothing changed: no row gets a new version.
    bulk.recompute(session, bulk.Scope(ids=ids), policies, now.timestamp())
    assert stored()[2] == versions
    # A change between a batch's read and its write inserted a clock the batch found missing: the COPY of the
    # new clocks meets it on the unique key, they go in by INSERT … ON CONFLICT instead — the same result.
    session.execute(text("DELETE FROM ticket_sla WHERE ticket_id = ANY(:ids)"), {"ids": ids})
    result = bulk.evaluate(session, bulk.Scope(ids=ids), policies, now.timestamp())
    session.execute(text("INSERT INTO ticket_sla (ticket_id, target, cycle, target_seconds, started_at, state, "
                         "elapsed_seconds, paused_seconds, breached) VALUES (:t, 'resolution', 1, 1, now(), 'met', 0, 0, "
                         "false)"), {"t": ids[1]})
    bulk.write(session, result)
    assert stored()[:2] == alone


def test_card_page_shows_one_business_time_clock_per_target(session):
    from components.sla_panel import sla_panel
    from tests.dash_support import plain
    agent, board, service, requester = setup(session)
    policy(session, None, service=service, first=30, resolution=240)
    now = datetime.now(timezone.utc)
    t = tickets.create(session, agent, title="Panel", board_id=board.id, service_id=service.id,
                       requester_id=requester.id, at=now - timedelta(minutes=26))
    summary = sla.ticket_sla_summary(session, t.id, now)
    assert [(s["target"], s["signal"]) for s in summary] == [("first_response", "at_risk"), ("resolution", "ok")]
    assert 230 <= summary[0]["remaining_seconds"] <= 250
    clocks = plain(sla_panel(summary))["props"]["children"]
    texts = [c["props"]["children"][1]["props"]["children"] for c in clocks]
    # One labelled clock per target in working time; the calendar due moment only on the line below it.
    assert texts == ["Первый ответ: осталось 4 мин рабочего времени из 30 мин",
                     "Решение: осталось 3 ч 34 мин рабочего времени из 4 ч"]
    assert [c["props"]["data-clock"] for c in clocks] == ["left", "left"]
    assert "срок по календарю" in str(clocks[0]["props"]["children"][2])


def test_backfill_command_and_scheduler_worker(engine, capsys):
    import json
    import uuid

    from data.__main__ import main as data_cli
    from data.db import session_scope
    from ingest.__main__ import main as ingest_cli
    tag = uuid.uuid4().hex[:6]
    with session_scope() as s:
        board = f.board(s, name=f"Backfill {tag}")
        service = f.service(s, board, code=f"bf{tag}")
        t = tickets.create(s, None, title="Imported", board_id=board.id, service_id=service.id,
                           at=datetime.now(timezone.utc) - timedelta(days=3))
        s.add(SlaPolicy(name=f"bf {tag}", resolution_minutes=60, conditions={"service_ids": [service.id]},
                        is_active=False))  # inactive while the ticket is created: no SLA yet
        ticket_id = t.id
    with session_scope() as s:
        s.execute(SlaPolicy.__table__.update().where(SlaPolicy.name == f"bf {tag}").values(is_active=True))
    assert data_cli(["sla-backfill", "--batch", "100"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tickets"] >= 1 and summary["tickets_per_s"] > 0
    with session_scope() as s:
        state = s.scalar(select(TicketSla.state).where(TicketSla.ticket_id == ticket_id))
        assert state == "breached"
    assert ingest_cli(["scheduler", "--once"]) == 0
    with session_scope() as s:
        notified = s.scalar(select(TicketSla.breach_notified_at).where(TicketSla.ticket_id == ticket_id))
        assert notified is not None
        # Leave nothing behind that other tests in this process could pick up.
        s.execute(SlaPolicy.__table__.delete().where(SlaPolicy.name == f"bf {tag}"))
        s.execute(text("DELETE FROM tickets WHERE id = :id"), {"id": ticket_id})
        from data.metrics import rollup
        assert rollup.refreshed_at(s) is not None  # the scheduler keeps the analytics totals current
        rollup.drop(s)  # the scheduler also built the analytics rollup; other tests expect live numbers
