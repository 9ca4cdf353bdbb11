"""Before/after's maintained table (analytics_monthly) gives exactly what the events give: on random
histories, for every filter it covers, and after an incremental refresh that saw a reopen, a reassignment
and a new resolution."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from data.metrics import compare, monthly, rollup
from data.models import Ticket
from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from tests import factories
from tests.test_metrics_rollup_random import _history, _same

SINCE, UNTIL = date(2025, 9, 1), date(2027, 9, 1)  # every month the random histories can reach


def F(**conditions) -> TicketFilter:
    """A filter as pages make it: with a period (the comparison uses its own months, not the period)."""
    return TicketFilter(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31), **conditions)


def _setup(session, seed, zone):
    analyst, boards, agents, prio = _history(session, seed, ZoneInfo(zone), date(2025, 9, 20), 170, 90)
    svc = factories.service(session, boards[0])
    # A service across both boards, not the whole of either: its rows differ from every board's.
    session.execute(update(Ticket).where(Ticket.id % 3 != 0).values(service_id=svc.id))
    session.flush()
    return analyst, boards, agents, prio, svc


def _both(session, f):
    return {group: compare.monthly(session, f, group, SINCE, UNTIL) for group in compare.GROUPS}


@pytest.mark.parametrize("seed, zone", [(11, "Europe/Moscow"), (12, "Europe/Berlin")])
def test_the_monthly_table_equals_the_events_for_every_filter_it_covers(session, monkeypatch, seed, zone):
    monkeypatch.setenv("OKNO_TIMEZONE", zone)
    analyst, boards, agents, prio, svc = _setup(session, seed, zone)
    team_id = boards[0].team_id
    covered = [F(), F(service=[svc.id]), F(board=[boards[1].id]),
               F(team=[team_id]), F(assignee=[agents[1].id, 0])]
    others = [F(board=[b.id for b in boards]), F(service=[svc.id], board=[boards[0].id]),
              F(priority=[prio[0].id])]
    rollup.drop(session)
    live = [_both(session, f) for f in covered + others]
    whole = compare.compare(session, analyst, F(), pivot=date(2025, 12, 1), months_before=3)
    assert any(r["resolved"] for r in live[0]["agent"]) and any(r["handle_p85"] for r in live[0]["team"])
    rollup.rebuild(session)
    for f in covered:  # these really read the table (an agent filter only for per-agent rows)
        assert monthly.read(session, f, "assignee_id", SINCE, UNTIL) is not None, f
    assert monthly.read(session, covered[-1], "team_id", SINCE, UNTIL) is None
    for f in others:
        assert monthly.read(session, f, "assignee_id", SINCE, UNTIL) is None, f
    for f, expected in zip(covered + others, live):
        _same(expected, _both(session, f), repr(f))
    # The whole page: same months in, so the same bootstrap out (fixed seed).
    _same(whole, compare.compare(session, analyst, F(), pivot=date(2025, 12, 1), months_before=3))


def _table(session) -> list[tuple]:
    return [tuple(r) for r in session.execute(text(
        "SELECT group_kind, scope, scope_id, month, group_id, resolved, sla_met_n, sla_n, handle_p50, handle_p85"
        " FROM analytics_monthly ORDER BY 1, 2, 3, 4, 5"))]


def test_refresh_moves_a_resolution_between_agents_months_after_a_reopen(session):
    zone = ZoneInfo("Europe/Moscow")
    analyst, boards, agents, _prio, _svc = _setup(session, 13, "Europe/Moscow")
    rollup.rebuild(session)
    b = boards[0]
    t = session.scalars(select(Ticket).where(Ticket.board_id == b.id, Ticket.status == "done",
                                             Ticket.assignee_id.is_not(None)).order_by(Ticket.id)).first()
    first_done = session.execute(text(
        "SELECT min(at) FROM ticket_events WHERE ticket_id = :t AND to_status = 'done'"), {"t": t.id}).scalar()
    month = first_done.astimezone(zone).date().replace(day=1)
    times = session.execute(text("""
        SELECT count(*) FROM ticket_events WHERE ticket_id = :t AND to_status = 'done'
          AND from_status IS DISTINCT FROM 'done' AND date_trunc('month', at AT TIME ZONE 'Europe/Moscow') = :m"""),
                            {"t": t.id, "m": month}).scalar()  # its resolutions in that month
    old = t.assignee_id
    other = next(a for a in agents if a.id != old)
    new = other.id

    def resolved(agent, m):
        found = [r for r in compare.monthly(session, F(), "agent", SINCE, UNTIL)
                 if r["id"] == agent and r["month"] == m]
        return found[0]["resolved"] if found else 0
    before = (resolved(old, month), resolved(new, month))
    # Reopened into another agent's lane and resolved again: the earlier resolution now counts for the new
    # assignee (analytics group by the ticket's current assignee), and a new one is added in May 2027.
    at = datetime(2027, 5, 3, 10, 0, tzinfo=zone)
    tickets.move(session, None, t.id, factories.column(b, "queue").id, factories.lane_of(b, other).id, at=at)
    tickets.move(session, None, t.id, factories.column(b, "done").id, None, at=at.replace(hour=15))
    rollup.refresh(session)
    assert resolved(old, month) == before[0] - times and resolved(new, month) == before[1] + times
    assert resolved(new, date(2027, 5, 1)) >= 1
    refreshed = _table(session)
    rollup.drop(session)
    live = compare.monthly(session, F(), "agent", SINCE, UNTIL)
    rollup.rebuild(session)
    assert refreshed == _table(session)  # the refresh left exactly what a full build makes
    _same(live, compare.monthly(session, F(), "agent", SINCE, UNTIL))
