"""Small builders for service tests: a team, users of each role, a board with columns and lanes."""
from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from data.models import Board, BoardColumn, Lane, Priority, Requester, RequesterIdentity, Service, Team, User

_seq = itertools.count(1)
PASSWORD = "secret-pass"
_HASH = generate_password_hash(PASSWORD)


def user(session, role="agent", team=None, name=None, email=None) -> User:
    n = next(_seq)
    u = User(email=email or f"{role}{n}@example.com", name=name or f"{role.title()} {n}", password_hash=_HASH,
             role=role, team_id=team.id if team else None)
    session.add(u)
    session.flush()
    return u


def team(session, name=None, line_level=None) -> Team:
    t = Team(name=name or f"Team {next(_seq)}", line_level=line_level)
    session.add(t)
    session.flush()
    return t


def board(session, team=None, agents=(), lane_mode=None, wip=None, wip_hard=False, time_limit=None,
          name=None) -> Board:
    """A board with columns Queue / In progress / Waiting / Done and a lane per agent when agents given."""
    b = Board(name=name or f"Board {next(_seq)}", team_id=team.id if team else None,
              lane_mode=lane_mode or ("agent" if agents else "none"))
    session.add(b)
    session.flush()
    for pos, (col_name, kind) in enumerate([("Queue", "queue"), ("In progress", "in_progress"),
                                            ("Waiting", "waiting"), ("Done", "done")]):
        session.add(BoardColumn(board_id=b.id, name=col_name, kind=kind, position=pos,
                                wip_limit=wip if kind == "in_progress" else None,
                                wip_hard=wip_hard if kind == "in_progress" else False,
                                time_limit_minutes=time_limit if kind == "queue" else None))
    for pos, agent in enumerate(agents):
        session.add(Lane(board_id=b.id, name=agent.name, position=pos, user_id=agent.id))
    session.flush()
    session.refresh(b)
    return b


def column(b: Board, kind: str) -> BoardColumn:
    return next(c for c in b.columns if c.kind == kind)


def lane_of(b: Board, agent: User) -> Lane:
    return next(l for l in b.lanes if l.user_id == agent.id)


def requester(session, email=None, telegram=None, name="Иван Петров") -> Requester:
    r = Requester(name=name, email=email)
    session.add(r)
    session.flush()
    if email:
        session.add(RequesterIdentity(requester_id=r.id, channel="email", address=email.lower()))
    if telegram:
        session.add(RequesterIdentity(requester_id=r.id, channel="telegram", address=str(telegram)))
    session.flush()
    return r


def service(session, b: Board, code=None, name="IT support") -> Service:
    s = Service(code=code or f"svc{next(_seq)}", name=name, board_id=b.id, column_id=column(b, "queue").id)
    session.add(s)
    session.flush()
    return s


def priority(session, code="normal", rank=3) -> Priority:
    p = Priority(code=f"{code}{next(_seq)}", name_ru=code, name_en=code, rank=1000 + next(_seq))
    session.add(p)
    session.flush()
    return p
