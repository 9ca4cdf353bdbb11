"""Each agent's load on a board against the team's median, so a manager sees who is overloaded even when
the board sets no lane WIP limits.

Load = the agent's open tickets on the board. The people compared are the board team's active agents and
managers (an idle one counts with 0, else the median would only see the busy) plus anyone else holding
open cards on the board (a shared board has no team). Overloaded: load ≥ median + 3 and load ≥ 1.5 × median,
so one extra ticket over a small median is not an alarm, nor a few over a large one. All computed in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.models import Board, User
from data import permissions

OVER_BY = 3  # at least this many tickets over the median…
OVER_TIMES = 1.5  # …and at least this many times the median

LOAD_SQL = """
WITH people AS (
  SELECT u.id, u.name FROM users u
  WHERE u.is_active AND u.role IN ('agent', 'manager') AND CAST(:team AS int) IS NOT NULL
    AND (u.team_id = :team OR u.id = (SELECT tm.lead_id FROM teams tm WHERE tm.id = :team))
  UNION
  SELECT u.id, u.name FROM users u
  WHERE u.id IN (SELECT t.assignee_id FROM tickets t WHERE t.board_id = :board AND t.status <> 'done')
),
loads AS (
  SELECT p.id, p.name, count(t.id) AS open_tickets
  FROM people p LEFT JOIN tickets t ON t.assignee_id = p.id AND t.board_id = :board AND t.status <> 'done'
  GROUP BY p.id, p.name
),
team AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY open_tickets) AS median FROM loads)
SELECT l.id, l.name, l.open_tickets, team.median,
       l.open_tickets >= team.median + :over_by AND l.open_tickets >= team.median * :over_times AS overloaded
FROM loads l CROSS JOIN team
ORDER BY l.open_tickets DESC, l.name
"""


@dataclass(frozen=True)
class AgentLoad:
    user_id: int
    name: str
    open_tickets: int
    median: float
    overloaded: bool


def board_load(session: Session, user: User, board: Board) -> list[AgentLoad]:
    """Open tickets per person on this board, busiest first, each with the team's median and whether
    it is overloaded. Only for someone who may work on the board."""
    permissions.require_staff_writer(user, "errors.action.open_boards")
    permissions.check_board_access(user, board, session)
    rows = session.execute(text(LOAD_SQL), {"board": board.id, "team": board.team_id, "over_by": OVER_BY,
                                            "over_times": OVER_TIMES})
    return [AgentLoad(r.id, r.name, int(r.open_tickets), float(r.median), bool(r.overloaded)) for r in rows]
