"""A hand-built fortnight with known answers for the weekly summary (2024-W19 and 2024-W20, Moscow time).

W19: 5 received (L1), 4 resolved, all within SLA.
W20: 10 received (8 L1, 2 L2), 6 resolved: L1 5 (agent A 3, B 1, C 1), L2 1 (no SLA).
     Of the 5 L1 tickets with an SLA, 3 breached — all resolved on Thursday — so SLA met is 40%.
     Backlog 1 → 5 (15 received, 10 resolved by the end). Two open L1 tickets are overdue.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from data.tickets import actions as tickets
from data.weekly.summary import Week
from tests import factories as f
from tests.metrics_history import sla_outcome

MSK = ZoneInfo("Europe/Moscow")
WEEK = Week(2024, 20)  # Mon 13 May – Sun 19 May 2024
PREVIOUS = Week(2024, 19)


def at(day: int, hour: int = 10, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=MSK)


def build(s, tag: str) -> dict:
    # No line levels: committed copies of these teams must not become other tests' escalation targets.
    l1 = f.team(s, name=f"L1 {tag}")
    l2 = f.team(s, name=f"L2 {tag}")
    lead = f.user(s, "manager", l1, name=f"Lead {tag}")
    a, b, c = (f.user(s, "agent", l1, name=f"{n} {tag}") for n in ("Anna", "Boris", "Chen"))
    d = f.user(s, "agent", l2, name=f"Dina {tag}")
    l2.lead_id = lead.id  # the lead places cards on both teams' boards (a manager works their own teams only)
    director = f.user(s, "director", name=f"Director {tag}")
    b1 = f.board(s, l1, agents=[a, b, c])
    b2 = f.board(s, l2, agents=[d])
    s1 = f.service(s, b1, name=f"Desk {tag}")
    s2 = f.service(s, b2, name=f"Servers {tag}")

    def new(title, when, board, svc, team):
        return tickets.create(s, lead, title=f"{title} {tag}", board_id=board.id, service_id=svc.id,
                              team_id=team.id, channel="email", at=when)

    def done(t, board, agent, when, breached=False, sla=True, started=None):
        if started:
            tickets.move(s, lead, t.id, f.column(board, "in_progress").id, f.lane_of(board, agent).id, at=started)
        tickets.move(s, lead, t.id, f.column(board, "done").id, f.lane_of(board, agent).id, at=when)
        if sla:
            sla_outcome(s, t, first_response=False, resolution=breached)
        s.flush()

    prev = [new(f"p{i}", at(6, 9 + i), b1, s1, l1) for i in range(1, 6)]
    for t in prev[:4]:
        done(t, b1, a, at(7, 12))
    cur = [new(f"c{i}", at(13, 9 + i), b1, s1, l1) for i in range(1, 9)]
    done(prev[4], b1, a, at(14))
    tickets.comment(s, a, cur[0].id, "Смотрим", at=at(13, 11))  # 1 h to first response
    tickets.comment(s, a, cur[1].id, "Смотрим", at=at(13, 14))  # 3 h
    done(cur[0], b1, a, at(16, 11), breached=True, started=at(13, 12))
    done(cur[1], b1, a, at(16, 12), breached=True, started=at(13, 15))
    done(cur[2], b1, b, at(16, 13), breached=True)
    done(cur[3], b1, c, at(17, 10))
    cur[4].resolution_due_at = at(15, 9)  # open and overdue since Wednesday
    cur[5].resolution_due_at = at(18, 9)  # overdue since Saturday
    cur[6].resolution_due_at = at(21, 9)  # due next week: not overdue
    servers = [new(f"d{i}", at(15, 10 + i), b2, s2, l2) for i in range(1, 3)]
    done(servers[0], b2, d, at(17, 15), sla=False)
    s.flush()
    return dict(l1=l1.id, l2=l2.id, s1=s1.id, s2=s2.id, director=director, lead=lead, agents=(a, b, c, d),
                overdue=[cur[4].number, cur[5].number], tag=tag)


EXPECTED = {  # the company block of 2024-W20, by hand
    "created": (10, 5), "resolved": (6, 4), "backlog": (5, 1), "sla_met": (40.0, 100.0),
    # Cycle times (hours): 52, 69, 71, 73, 93 and 188 (p5, never in progress, handled from its creation)
    "first_response_p50": 2.0, "cycle_p50": 3.0,
}
