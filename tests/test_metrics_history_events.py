"""Histories built event by event with known answers: the past never changes, day edges fall in the company's
time zone (midnight, DST), partial periods are marked, and every SLA cycle of a reopened ticket counts.
Each is checked computed from the events and read from the rollup."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from data.metrics import flow, kpi, rollup, sla, team
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from tests import factories
from tests.metrics_history import sla_outcome

# The histories' SLA outcomes are written by hand (conftest.sla_by_hand).
pytestmark = pytest.mark.usefixtures("sla_by_hand")

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture(params=["live", "rollup"])
def source(request):
    return request.param


def _board(session):
    tm = factories.team(session)
    agent = factories.user(session, "agent", tm, name="Agent Q")
    b = factories.board(session, tm, agents=[agent])
    return b, factories.lane_of(b, agent).id, factories.user(session, "analyst")


def _walk(session, b, lane, created, *moves, zone=MSK):
    t = tickets.create(session, None, title="x", board_id=b.id, lane_id=lane, at=created)
    for kind, when in moves:
        tickets.move(session, None, t.id, factories.column(b, kind).id, at=when)
    return t


def _read(session, source, fn):
    if source == "rollup":
        rollup.refresh(session) if rollup.refreshed_at(session) else rollup.rebuild(session)
    return fn()


def test_reopening_a_ticket_resolved_last_quarter_leaves_last_quarter_unchanged(session, source):
    b, lane, analyst = _board(session)
    d = lambda m, day, h=10: datetime(2025, m, day, h, tzinfo=MSK)  # noqa: E731
    t1 = _walk(session, b, lane, d(10, 1), ("in_progress", d(10, 2)), ("done", d(10, 3)))
    t2 = _walk(session, b, lane, d(11, 5), ("in_progress", d(11, 5, 12)), ("done", d(11, 7)))
    _walk(session, b, lane, d(12, 1), ("in_progress", d(12, 2)))  # still open at the end of the quarter
    sla_outcome(session, t1, first_response=False, resolution=False)
    sla_outcome(session, t2, first_response=False, resolution=True)
    quarter = TicketFilter(date_from=date(2025, 10, 1), date_to=date(2025, 12, 31), board=[b.id])

    def figures():
        return {"kpis": kpi.kpis(session, analyst, quarter),
                "months": flow.created_resolved(session, analyst, quarter, "month"),
                "cfd": flow.cumulative_flow(session, analyst, quarter),
                "sla": sla.by_week(session, analyst, quarter), "agents": team.agents(session, analyst, quarter)}
    before = _read(session, source, figures)
    assert before["kpis"]["resolved"]["value"] == 2 and before["kpis"]["backlog"]["value"] == 1
    assert before["kpis"]["cycle_p50"]["value"] == pytest.approx((24 + 46) / 2 / 24)  # 24 h and 46 h
    # Today: both are reopened, one goes back to the queue; the open one is done.
    now = datetime.now(MSK)
    tickets.move(session, None, t1.id, factories.column(b, "in_progress").id, at=now)
    tickets.move(session, None, t2.id, factories.column(b, "queue").id, at=now)
    after = _read(session, source, figures)
    for key in ("kpis", "months", "cfd", "sla"):
        assert after[key] == before[key], key
    assert [(r["resolved"], r["cycle_p50"]) for r in after["agents"]] == [
        (r["resolved"], r["cycle_p50"]) for r in before["agents"]]


def test_days_end_at_local_midnight(session, source):
    b, lane, analyst = _board(session)
    # 23:59 and 00:01 in Moscow are 20:59 and 21:01 UTC of the same UTC day.
    _walk(session, b, lane, datetime(2026, 1, 12, 9, tzinfo=MSK), ("done", datetime(2026, 1, 12, 23, 59, tzinfo=MSK)))
    _walk(session, b, lane, datetime(2026, 1, 12, 0, 1, tzinfo=MSK), ("done", datetime(2026, 1, 13, 0, 1, tzinfo=MSK)))
    f = TicketFilter(date_from=date(2026, 1, 12), date_to=date(2026, 1, 13), board=[b.id])
    days = _read(session, source, lambda: flow.created_resolved(session, analyst, f, "day"))
    assert [(r["created"], r["resolved"], r["backlog"]) for r in days] == [(2, 1, 1), (0, 1, 0)]
    arrivals = {(r["weekday"], r["hour"]): r["n"] for r in team.arrivals(session, analyst, f) if r["n"]}
    assert arrivals == {(1, 0): 1, (1, 9): 1}  # Monday 00:01 and 09:00 local
    cfd = flow.cumulative_flow(session, analyst, f)["days"]
    assert [(r["queue"], r["done"]) for r in cfd] == [(1, 1), (0, 2)]


def test_cycle_time_across_a_dst_change_counts_elapsed_hours(session, source, monkeypatch):
    monkeypatch.setenv("OKNO_TIMEZONE", "Europe/Berlin")
    cet = ZoneInfo("Europe/Berlin")
    b, lane, analyst = _board(session)
    # Clocks go back at 03:00 on 26 Oct 2025: noon to noon is 25 hours; 00:30 on the 26th is that local day.
    _walk(session, b, lane, datetime(2025, 10, 25, 9, tzinfo=cet), ("in_progress", datetime(2025, 10, 25, 12, tzinfo=cet)),
          ("done", datetime(2025, 10, 26, 12, tzinfo=cet)))
    _walk(session, b, lane, datetime(2025, 10, 25, 20, tzinfo=cet), ("done", datetime(2025, 10, 26, 0, 30, tzinfo=cet)))
    f = TicketFilter(date_from=date(2025, 10, 25), date_to=date(2025, 10, 26), board=[b.id])
    days = _read(session, source, lambda: flow.throughput(session, analyst, f, "day"))
    assert [r["done"] for r in days] == [0, 2]
    n, p = flow.cycle_percentiles(session, f, (0.0, 1.0))
    assert n == 2 and p[1.0] == pytest.approx(25 / 24) and p[0.0] == pytest.approx(5 / 24)  # 4 h 30 min → 5 h


def test_partial_weeks_are_marked(session, source):
    b, lane, analyst = _board(session)
    _walk(session, b, lane, datetime(2026, 1, 14, 10, tzinfo=MSK), ("done", datetime(2026, 1, 15, 10, tzinfo=MSK)))
    f = TicketFilter(date_from=date(2026, 1, 14), date_to=date(2026, 1, 31), board=[b.id])  # Wed .. Sat
    weeks = _read(session, source, lambda: flow.throughput(session, analyst, f, "week"))
    assert [(r["bucket"], r["partial"], r["done"]) for r in weeks] == [
        (date(2026, 1, 12), True, 1), (date(2026, 1, 19), False, 0), (date(2026, 1, 26), True, 0)]


def test_every_sla_cycle_of_a_reopened_ticket_counts(session, source):
    b, lane, analyst = _board(session)
    t = _walk(session, b, lane, datetime(2026, 2, 2, 10, tzinfo=MSK), ("done", datetime(2026, 2, 3, 10, tzinfo=MSK)),
              ("in_progress", datetime(2026, 2, 10, 10, tzinfo=MSK)), ("done", datetime(2026, 2, 11, 10, tzinfo=MSK)))
    sla_outcome(session, t, first_response=False, resolution=True, cycle=1)  # the first cycle breached
    sla_outcome(session, t, resolution=False, cycle=2)  # the second met
    f = TicketFilter(date_from=date(2026, 2, 2), date_to=date(2026, 2, 15), board=[b.id])
    weeks = _read(session, source, lambda: sla.by_week(session, analyst, f))
    assert [(r["met"], r["breached"]) for r in weeks] == [(0, 1), (1, 0)]
    k = kpi.kpis(session, analyst, f)
    assert (k["resolved"]["value"], k["reopened"]["value"], k["sla_met"]["value"]) == (2, 1, pytest.approx(50.0))
