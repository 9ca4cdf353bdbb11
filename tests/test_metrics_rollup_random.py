"""The rollup is a cache: on random histories, built event by event, every metric read from it equals the
same metric computed straight from the events — after a full build and after incremental refreshes."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from data.models import Ticket
from data.metrics import compare, efficiency, flow, kpi, rollup, sla, sle, team, throughput, wip
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from tests import factories
from tests.metrics_history import sla_outcome

# The histories' SLA outcomes are written by hand (conftest.sla_by_hand).
pytestmark = pytest.mark.usefixtures("sla_by_hand")

# Forward moves mostly, with backward moves (waiting → in progress, in progress → queue) and reopens.
NEXT = {"queue": ["in_progress"] * 4 + ["done"], "in_progress": ["waiting", "done", "done", "queue"],
        "waiting": ["in_progress", "done"], "done": ["in_progress", "queue"]}


def _history(session, seed: int, zone: ZoneInfo, first: date, days: int, n: int):
    rng = random.Random(seed)
    blocks = random.Random(seed + 1000)  # its own stream: the other draws (and histories) stay as they were
    tm = factories.team(session)
    agents = [factories.user(session, "agent", tm) for _ in range(3)]
    analyst = factories.user(session, "analyst")
    boards = [factories.board(session, tm, agents=agents) for _ in range(2)]
    prio = [factories.priority(session, code=f"p{seed}{i}", rank=i) for i in range(2)]
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    for _ in range(n):
        b = rng.choice(boards)
        # Some tickets arrive in the first hours after local midnight, others at any minute of the day.
        at = start + timedelta(days=rng.randrange(days), minutes=rng.choice([rng.randrange(240), rng.randrange(1440)]))
        t = tickets.create(session, None, title="r", board_id=b.id, at=at, team_id=tm.id,
                           lane_id=factories.lane_of(b, rng.choice(agents)).id,
                           priority_id=rng.choice(prio).id if rng.random() < 0.7 else None,
                           channel=rng.choice(["email", "telegram", "portal"]))
        kind, cycle = "queue", 1
        for _step in range(rng.randrange(7)):
            at += timedelta(minutes=rng.choice([5, 50, 300, 1000, 3000, 20000, 90000]))
            new = rng.choice(NEXT[kind])
            lane = factories.lane_of(b, rng.choice(agents)).id if rng.random() < 0.3 else None
            tickets.move(session, None, t.id, factories.column(b, new).id, lane, at=at)
            if new == "in_progress" and blocks.random() < 0.4:  # blocked a while, sometimes across midnight
                since = at + timedelta(minutes=blocks.choice([1, 3, 100, 700]))
                tickets.set_blocked(session, agents[0], t.id, True, blocks.choice(["Нет доступа", "ждём"]), at=since)
                if blocks.random() < 0.8:
                    tickets.set_blocked(session, agents[0], t.id, False, at=since + timedelta(minutes=blocks.choice([2, 900])))
            if new == "done" and rng.random() < 0.7:
                sla_outcome(session, t, cycle=cycle, resolution=rng.random() < 0.3,
                            first_response=(rng.random() < 0.2) if cycle == 1 else None)
            if kind == "done":
                cycle += 1
            kind = new
        if rng.random() < 0.6:
            t.first_response_at = t.created_at + timedelta(minutes=rng.choice([1, 7, 59, 61, 600, 3000]))
    session.flush()
    return analyst, boards, agents, prio


def _everything(session, analyst, f: TicketFilter) -> dict:
    out = {"kpis": kpi.kpis(session, analyst, f), "cfd": flow.cumulative_flow(session, analyst, f),
           "scatter": flow.cycle_percentiles(session, f), "lead": flow.lead_histogram(session, analyst, f),
           "sla_week": sla.by_week(session, analyst, f), "sla_priority": sla.by_priority(session, analyst, f),
           "first_response": sla.first_response(session, analyst, f), "agents": team.agents(session, analyst, f),
           "arrivals": team.arrivals(session, analyst, f),
           "compare": compare.monthly(session, f, "agent", date(2025, 9, 1), date(2026, 3, 1))}
    for grain in ("day", "week", "month"):
        out[f"created_resolved_{grain}"] = flow.created_resolved(session, analyst, f, grain)
        out[f"throughput_{grain}"] = flow.throughput(session, analyst, f, grain)
        out[f"efficiency_{grain}"] = efficiency.flow_efficiency(session, analyst, f, grain)
    out |= {"wip": wip.wip_run(session, analyst, f), "wip_waiting": wip.wip_run(session, analyst, f, with_waiting=True),
            "done_per_day": throughput.daily_histogram(session, analyst, f), "sle": sle.column_sle(session, analyst, f)}
    for r in out["sla_priority"]:  # the rollup's rows carry only met/breached
        for key in ("first_response_breached", "resolution_breached"):
            r.pop(key, None)
    return out


def _same(a, b, path="") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), path
    else:
        assert a == b, path


@pytest.mark.parametrize("seed, zone", [(1, "Europe/Moscow"), (2, "Europe/Berlin"), (3, "Europe/Moscow")])
def test_rollup_equals_the_events_on_random_histories(session, monkeypatch, seed, zone):
    monkeypatch.setenv("OKNO_TIMEZONE", zone)  # Berlin: the histories cross both DST changes of 2025/26
    analyst, boards, agents, prio = _history(session, seed, ZoneInfo(zone), date(2025, 9, 20), 170, 90)
    filters = [TicketFilter(date_from=date(2025, 10, 1), date_to=date(2026, 2, 28)),  # 150 days: months whole
               TicketFilter(date_from=date(2025, 10, 20), date_to=date(2025, 11, 2)),  # around DST's end
               TicketFilter(date_from=date(2025, 9, 25), date_to=date(2026, 3, 20), board=[boards[0].id]),
               TicketFilter(date_from=date(2025, 11, 10), date_to=date(2026, 1, 15), assignee=[agents[1].id]),
               TicketFilter(date_from=date(2025, 10, 1), date_to=date(2026, 1, 31), priority=[prio[0].id]),
               TicketFilter(date_from=date(2025, 12, 3), date_to=date(2026, 1, 9), channel=["telegram"])]
    rollup.drop(session)
    raw = [_everything(session, analyst, f) for f in filters]
    assert any(r["kpis"]["resolved"]["value"] for r in raw) and any(r["kpis"]["reopened"]["value"] for r in raw)
    assert raw[0]["efficiency_week"]["overall"]["blocked_h"] > 0 and raw[0]["sle"]["columns"]  # something to compare
    rollup.rebuild(session)
    assert rollup.usable(session, filters[0])
    for f, expected in zip(filters, raw):
        _same(expected, _everything(session, analyst, f), repr(f))


def test_incremental_refresh_equals_a_full_build(session):
    zone = ZoneInfo("Europe/Moscow")
    analyst, boards, agents, _prio = _history(session, 4, zone, date(2025, 9, 20), 120, 40)
    rollup.rebuild(session)
    # More history arrives later, including moves of old tickets: the refresh redoes only the days they touch.
    _history(session, 5, zone, date(2025, 10, 1), 120, 30)
    for t in session.scalars(select(Ticket).where(Ticket.board_id == boards[0].id).order_by(Ticket.id).limit(5)):
        # Reassigned and moved (reopened when done) long after their first days: every day they count on is redone.
        tickets.move(session, None, t.id, factories.column(boards[0], "queue" if t.status == "done" else "done").id,
                     factories.lane_of(boards[0], agents[2]).id, at=datetime(2026, 2, 1, 0, 30, tzinfo=zone))
    assert rollup.refresh(session) > 2
    f = TicketFilter(date_from=date(2025, 9, 20), date_to=date(2026, 2, 20))
    refreshed = _everything(session, analyst, f)
    rollup.rebuild(session)
    _same(_everything(session, analyst, f), refreshed)
