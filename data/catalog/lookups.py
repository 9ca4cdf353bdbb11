"""Small reference lists for dropdowns and labels: services, types, agents, priorities, columns."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Board, BoardColumn, Priority, RequestType, Service, Team, User


def services(session: Session) -> list[dict]:
    return [{"value": i, "label": n} for i, n in
            session.execute(select(Service.id, Service.name).order_by(Service.position, Service.name))]


def request_types(session: Session) -> list[dict]:
    rows = session.execute(select(RequestType.id, RequestType.name, Service.name)
                           .join(Service, Service.id == RequestType.service_id)
                           .order_by(Service.position, Service.name, RequestType.position, RequestType.name))
    return [{"value": i, "label": f"{s} · {n}"} for i, n, s in rows]


def agents(session: Session) -> list[dict]:
    """Staff who can hold tickets."""
    rows = session.execute(select(User.id, User.name).where(User.role.in_(("agent", "manager", "admin")),
                                                            User.is_active).order_by(User.name))
    return [{"value": i, "label": n} for i, n in rows]


def priorities(session: Session, locale: str) -> list[dict]:
    rows = session.scalars(select(Priority).order_by(Priority.rank))
    return [{"value": p.id, "label": p.label(locale), "color": p.color} for p in rows]


def teams(session: Session) -> list[dict]:
    return [{"value": i, "label": n} for i, n in session.execute(
        select(Team.id, Team.name).order_by(Team.line_level.nulls_last(), Team.name))]


def boards(session: Session) -> list[dict]:
    return [{"value": i, "label": n} for i, n in session.execute(select(Board.id, Board.name).order_by(Board.id))]


def columns(session: Session) -> list[dict]:
    rows = session.execute(select(BoardColumn.id, BoardColumn.name, Board.name)
                           .join(Board, Board.id == BoardColumn.board_id)
                           .order_by(Board.id, BoardColumn.position))
    return [{"value": i, "label": f"{b} · {n}"} for i, n, b in rows]
