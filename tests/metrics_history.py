"""A hand-built week of ticket history with known answers, shared by the metrics tests.

Board with Queue / In progress / Waiting / Done and lanes for agents A and B. All times are
Moscow local (UTC+3). The range under test is Monday 2026-03-02 .. Sunday 2026-03-08.

  T1  A  created 02 10:00, in progress 03 10:00, done 05 10:00        cycle 3 d, lead 3 d
  T2  A  created 02 11:00, in progress 02 12:00, done 02 15:00        cycle 1 d, lead 4 h
  T3  B  created 03, in progress 04, waiting 05, in progress 06, done 09 (after the range)
  T4  -  created 04 10:00, still queued
  T5  B  created 05, in progress 05, still open
  T6  A  created 02, done 06 (skipping in progress), reopened 07, done 08   cycle 2 d (07..08)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from data.tickets import actions as tickets
from data.metrics import rollup
from data.models import TicketSla
from data.tickets.filters import TicketFilter
from tests import factories

MSK = timezone(timedelta(hours=3))
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MSK)


@dataclass
class History:
    board: object
    agent_a: object
    agent_b: object
    analyst: object
    numbers: dict

    def filter(self, **kw) -> TicketFilter:
        return TicketFilter(date_from=kw.pop("date_from", FIRST), date_to=kw.pop("date_to", LAST),
                            board=(self.board.id,), **kw)


def build(session) -> History:
    team = factories.team(session)
    a, b = factories.user(session, "agent", team, name="Agent A"), factories.user(session, "agent", team, name="Agent B")
    analyst = factories.user(session, "analyst")
    board = factories.board(session, team, agents=[a, b])
    col = {k: factories.column(board, k).id for k in ("queue", "in_progress", "waiting", "done")}
    lane = {"A": factories.lane_of(board, a).id, "B": factories.lane_of(board, b).id, None: None}

    def ticket(name, who, created, *moves):
        t = tickets.create(session, None, title=name, board_id=board.id, lane_id=lane[who], at=created,
                           channel="email", team_id=team.id)
        for kind, when in moves:
            tickets.move(session, None, t.id, col[kind], lane[who], at=when)
        return t

    t1 = ticket("T1", "A", at(2), ("in_progress", at(3)), ("done", at(5)))
    t2 = ticket("T2", "A", at(2, 11), ("in_progress", at(2, 12)), ("done", at(2, 15)))
    t3 = ticket("T3", "B", at(3), ("in_progress", at(4)), ("waiting", at(5)), ("in_progress", at(6)),
                ("done", at(9)))
    t4 = ticket("T4", None, at(4))
    t5 = ticket("T5", "B", at(5), ("in_progress", at(5, 12)))
    t6 = ticket("T6", "A", at(2, 9), ("done", at(6)), ("in_progress", at(7)), ("done", at(8)))
    # First public replies and SLA outcomes (as the SLA engine would have set them).
    t1.first_response_at, t2.first_response_at = at(2, 10, 30), at(2, 13)
    sla_outcome(session, t1, first_response=False, resolution=True)
    sla_outcome(session, t2, first_response=False, resolution=False)
    session.flush()
    return History(board, a, b, analyst, {n: t.number for n, t in
                                          zip(("T1", "T2", "T3", "T4", "T5", "T6"), (t1, t2, t3, t4, t5, t6))})


def sla_outcome(session, ticket, *, first_response: bool | None = None, resolution: bool | None = None,
                cycle: int = 1) -> None:
    """Record SLA outcomes (breached or not) of one cycle as the SLA engine would have (ticket_sla)."""
    for target, breached in (("first_response", first_response), ("resolution", resolution)):
        if breached is not None:
            session.add(TicketSla(ticket_id=ticket.id, target=target, cycle=cycle, target_seconds=3600,
                                  started_at=ticket.created_at, stopped_at=ticket.created_at,
                                  state="breached" if breached else "met", breached=breached))
    session.flush()


@pytest.fixture(params=["live", "rollup"])
def h(session, request, sla_by_hand):
    """Every metric is checked twice: computed live from tickets/events and read from the daily rollup."""
    history = build(session)
    if request.param == "rollup":
        rollup.rebuild(session)
    return history
