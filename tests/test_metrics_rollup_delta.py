"""A refresh redoes only the tickets that changed, in place: after random moves, reopens, reassignments,
priority changes, blocks, first replies and changed SLA outcomes, every table of the rollup holds exactly the
rows a full build makes — analytics_daily, analytics_dist, the smaller tables, analytics_monthly, flow
efficiency's, the SLEs' and satisfaction's tables and the remembered ticket states."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from data.csat import ask, rate
from data.intake import requesters
from data.metrics import rollup, rollup_csat, rollup_flow, rollup_tables
from data.models import Rating, Ticket, TicketSla
from data.tickets import actions as tickets
from tests import factories
from tests.metrics_history import sla_outcome
from tests.test_metrics_rollup_random import NEXT, _history

# The histories' SLA outcomes are written by hand (conftest.sla_by_hand).
pytestmark = pytest.mark.usefixtures("sla_by_hand")

TABLES = ["analytics_daily", "analytics_dist", "analytics_monthly", "analytics_tickets", *rollup_tables.TABLES,
          *rollup_flow.TABLES, *rollup_csat.TABLES]


def _rows(session) -> dict[str, list[tuple]]:
    """Every table's rows (without the daily tables' serial ids), in a fixed order."""
    out = {}
    for table in TABLES:
        columns = [c for c in session.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys() if c != "id"]
        listed = ", ".join(columns)
        out[table] = [tuple(r) for r in session.execute(text(f"SELECT {listed} FROM {table} ORDER BY {listed}"))]
    return out


def _same_rows(refreshed: dict, built: dict) -> None:
    for table in TABLES:
        missing = [r for r in built[table] if r not in refreshed[table]]
        extra = [r for r in refreshed[table] if r not in built[table]]
        assert not missing and not extra, (table, missing[:3], extra[:3])
        assert refreshed[table] == built[table], table


def _changes(session, rng, boards, agents, prio, at: datetime, n: int) -> None:
    """n random changes to existing tickets, each through the service that writes its event."""
    ids = session.scalars(select(Ticket.id).where(Ticket.board_id.in_([b.id for b in boards]))
                          .order_by(Ticket.id)).all()
    blocks = random.Random(rng.random())  # its own stream: the other draws stay as they were
    for tid in rng.sample(ids, min(n, len(ids))):
        t = session.get(Ticket, tid)
        b = next(x for x in boards if x.id == t.board_id)
        at += timedelta(minutes=rng.choice([3, 40, 600]))
        what = rng.random()
        if what < 0.45:  # a move (a reopen when done), sometimes into another agent's lane
            lane = factories.lane_of(b, rng.choice(agents)).id if rng.random() < 0.4 else None
            tickets.move(session, None, tid, factories.column(b, rng.choice(NEXT[t.status])).id, lane, at=at)
            if t.status == "done" and rng.random() < 0.5:
                cycle = 1 + session.scalar(text("SELECT count(*) FROM ticket_events WHERE ticket_id = :t AND"
                                                " from_status = 'done' AND to_status <> 'done'"), {"t": tid})
                sla_outcome(session, t, cycle=cycle, resolution=rng.random() < 0.5)
        elif what < 0.6:
            tickets.assign(session, None, tid, rng.choice([*[a.id for a in agents], None]))
        elif what < 0.75:
            tickets.set_priority(session, None, tid, rng.choice([*[p.id for p in prio], None]))
        elif what < 0.88:  # an earlier cycle's SLA outcome recomputed (a policy edit), seen with the next move
            for s in session.scalars(select(TicketSla).where(TicketSla.ticket_id == tid)):
                s.breached = not s.breached
            if t.first_response_at is None:
                t.first_response_at = at
            session.flush()
            tickets.move(session, None, tid, factories.column(b, rng.choice(NEXT[t.status])).id, at=at)
        else:  # a move across midnight of the company's day
            tickets.move(session, None, tid, factories.column(b, rng.choice(NEXT[t.status])).id,
                         at=at.replace(hour=23, minute=59) + timedelta(minutes=2))
        if blocks.random() < 0.3:  # blocked (or unblocked) a while after: the cycle's blocked time changes
            at += timedelta(minutes=blocks.choice([1, 90]))
            tickets.set_blocked(session, agents[0], tid, not t.blocked, None if t.blocked else "ждём", at=at)
    session.flush()


def _asked(session, rng, boards) -> list[Rating]:
    """Every ticket has a requester (so a resolution asks a question), every resolved one was asked about an hour
    ago — before the build — and a quarter of those questions answered then. Returns the unanswered ones."""
    requester = requesters.find_or_create_by_email(session, "delta@example.com", "Вера")
    own = session.scalars(select(Ticket).where(Ticket.board_id.in_([b.id for b in boards])).order_by(Ticket.id)).all()
    questions = []
    asked = datetime.now(timezone.utc) - timedelta(hours=1)
    for t in own:
        t.requester_id = requester.id
        if t.status == "done":
            questions.append(ask.ask(session, t, now=asked)[0])
    for rating in questions[3::4]:
        rate.rate_as(session, requester.id, rating.id, rng.randint(1, 5), now=asked + timedelta(minutes=5))
    return [q for q in questions if q.score is None]


def test_refreshes_leave_exactly_what_a_full_build_makes(session):
    zone = ZoneInfo("Europe/Moscow")
    rng = random.Random(21)
    analyst, boards, agents, prio = _history(session, 21, zone, date(2025, 9, 20), 150, 70)
    questions = _asked(session, rng, boards)
    rollup.rebuild(session)
    at = datetime(2026, 2, 20, 9, 0, tzinfo=zone)
    for round_ in range(3):
        _changes(session, rng, boards, agents, prio, at + timedelta(days=3 * round_), 25)
        if round_ == 1:  # new tickets too, some of them changed again in the next round
            _history(session, 22, zone, date(2026, 2, 1), 40, 10)
        for rating in questions[round_::4]:  # answers, which write no ticket event
            rate.rate_as(session, rating.requester_id, rating.id, rng.randint(1, 5))
        redone = rollup.refresh(session)
        assert 0 < redone <= 35
        if round_ == 0:  # one refresh alone (a later one may redo the same days for its own reasons)
            refreshed = _rows(session)
            rollup.rebuild(session)
            _same_rows(refreshed, _rows(session))
    refreshed = _rows(session)
    assert refreshed["analytics_monthly"] and refreshed["analytics_dist_month"]
    assert refreshed["analytics_flow"] and refreshed["analytics_sle"] and refreshed["analytics_csat"]
    rollup.rebuild(session)
    _same_rows(refreshed, _rows(session))
    assert rollup.refresh(session) == 0  # nothing new: nothing redone


def test_a_ticket_moved_twice_in_a_day_nets_out(session):
    """A card moved forward and back again within one day leaves no status row behind (a full build has
    none), and the coarse per-day counts lose nothing."""
    zone = ZoneInfo("Europe/Moscow")
    analyst, boards, agents, prio = _history(session, 23, zone, date(2025, 10, 1), 30, 12)
    rollup.rebuild(session)
    # Its own boards' tickets only: other test files in this process commit tickets to the same database.
    t = session.scalars(select(Ticket).where(Ticket.status == "queue", Ticket.board_id.in_([x.id for x in boards]))
                        .order_by(Ticket.id)).first()
    b = next(x for x in boards if x.id == t.board_id)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=zone)
    tickets.move(session, None, t.id, factories.column(b, "in_progress").id, at=at)
    tickets.move(session, None, t.id, factories.column(b, "queue").id, at=at + timedelta(hours=1))
    assert rollup.refresh(session) == 1
    day_rows = session.execute(text("SELECT count(*) FROM analytics_daily WHERE stream = 3 AND day = '2026-03-02'"
                                    " AND board_id = :b"), {"b": b.id}).scalar()
    refreshed = _rows(session)
    rollup.rebuild(session)
    _same_rows(refreshed, _rows(session))
    assert day_rows == 0
