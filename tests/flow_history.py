"""A hand-built week of history for flow efficiency, WIP, the throughput histogram, per-column SLEs and
blocked time, event by event, with known answers. Times are Moscow local (UTC+3); the range under test
is Monday 2026-03-02 .. Sunday 2026-03-08 (tests/metrics_history.py's week).

  F1  created 02 09:00, in progress 02 10:00, blocked 02 22:00 → 03 02:00 (across midnight)
      "Ждём ответ поставщика!", waiting 03 10:00, back in progress 03 16:00, done 04 10:00
      cycle 48 h: active 24 − 4 + 18 = 38 h, waiting 6 h in the column + 4 h blocked = 10 h
  F2  created 02 12:00, in progress 03 09:00, moved BACK to the queue 03 12:00, in progress 05 12:00,
      done 05 18:00                              cycle 57 h: active 3 + 6 = 9 h, waiting 48 h (queue)
  F3  created 04 08:00, in progress 04 09:00, done 04 17:00                 first cycle: active 8 h
      reopened into waiting 06 10:00, in progress 06 12:00, blocked 13:00 → 14:00
      "ждем  ответ поставщика", done 06 15:00   second cycle (from 12:00): active 2 h, waiting 1 h blocked
  F4  created 05 10:00, in progress 05 11:00, blocked 07 20:00 "Нет доступа" (never unblocked),
      waiting 08 09:00                                                      open, 28 h blocked by the end
  F5  created 06 10:00, still queued
  F6  created 03 10:00, done 03 11:00 without being in progress            no cycle: left out of efficiency
"""
from __future__ import annotations

from dataclasses import dataclass

from data.tickets import actions as tickets
from data.tickets.filters import TicketFilter
from tests import factories
from tests.metrics_history import FIRST, LAST, at


@dataclass
class FlowHistory:
    board: object
    agent: object
    analyst: object
    columns: dict  # kind → column id
    numbers: dict

    def filter(self, **kw) -> TicketFilter:
        return TicketFilter(date_from=kw.pop("date_from", FIRST), date_to=kw.pop("date_to", LAST),
                            board=(self.board.id,), **kw)


def build(session) -> FlowHistory:
    team = factories.team(session)
    agent = factories.user(session, "agent", team, name="Agent F")
    analyst = factories.user(session, "analyst")
    board = factories.board(session, team, agents=[agent])
    col = {k: factories.column(board, k).id for k in ("queue", "in_progress", "waiting", "done")}
    lane = factories.lane_of(board, agent).id

    def ticket(name, created, *steps):
        t = tickets.create(session, None, title=name, board_id=board.id, lane_id=lane, at=created,
                           channel="email", team_id=team.id)
        for step, when in steps:
            if step.startswith("block:"):
                tickets.set_blocked(session, agent, t.id, True, step[len("block:"):], at=when)
            elif step == "unblock":
                tickets.set_blocked(session, agent, t.id, False, at=when)
            else:
                tickets.move(session, None, t.id, col[step], lane, at=when)
        return t

    made = {
        "F1": ticket("F1", at(2, 9), ("in_progress", at(2, 10)), ("block:Ждём ответ поставщика!", at(2, 22)),
                     ("unblock", at(3, 2)), ("waiting", at(3, 10)), ("in_progress", at(3, 16)), ("done", at(4, 10))),
        "F2": ticket("F2", at(2, 12), ("in_progress", at(3, 9)), ("queue", at(3, 12)), ("in_progress", at(5, 12)),
                     ("done", at(5, 18))),
        "F3": ticket("F3", at(4, 8), ("in_progress", at(4, 9)), ("done", at(4, 17)), ("waiting", at(6, 10)),
                     ("in_progress", at(6, 12)), ("block:ждем  ответ поставщика", at(6, 13)), ("unblock", at(6, 14)),
                     ("done", at(6, 15))),
        "F4": ticket("F4", at(5, 10), ("in_progress", at(5, 11)), ("block:Нет доступа", at(7, 20)),
                     ("waiting", at(8, 9))),
        "F5": ticket("F5", at(6, 10)),
        "F6": ticket("F6", at(3, 10), ("done", at(3, 11))),
    }
    session.flush()
    return FlowHistory(board, agent, analyst, col, {k: t.number for k, t in made.items()})
