"""Small reference lists for dropdowns and labels: services, types, agents, priorities, boards, columns,
lanes, reply templates. They hold names only, nobody's requests, so any signed-in page may show them."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Board, BoardColumn, Lane, Priority, ReplyTemplate, RequestType, Service, Team, User


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


def lanes(session: Session) -> list[dict]:
    """Every board's lanes, labelled "board · lane"."""
    rows = session.execute(select(Lane.id, Lane.name, Board.name).join(Board, Board.id == Lane.board_id)
                           .order_by(Board.id, Lane.position))
    return [{"value": i, "label": f"{b} · {n}"} for i, n, b in rows]


def board_columns(session: Session, board_id: int | None) -> list[dict]:
    """One board's columns in board order (none without a board)."""
    if not board_id:
        return []
    return [{"value": i, "label": n} for i, n in session.execute(
        select(BoardColumn.id, BoardColumn.name).where(BoardColumn.board_id == board_id).order_by(BoardColumn.position))]


def board_lanes(session: Session, board_id: int | None) -> list[dict]:
    """One board's lanes in board order (none without a board)."""
    if not board_id:
        return []
    return [{"value": i, "label": n} for i, n in session.execute(
        select(Lane.id, Lane.name).where(Lane.board_id == board_id).order_by(Lane.position))]


def board_name(session: Session, board_id: int) -> str | None:
    return session.scalar(select(Board.name).where(Board.id == board_id))


def reply_templates(session: Session) -> list[dict]:
    """All reply templates by name (the rules admin picks one for the "reply" action)."""
    return [{"value": i, "label": n} for i, n in
            session.execute(select(ReplyTemplate.id, ReplyTemplate.name).order_by(ReplyTemplate.name))]


MAX_ID = 2**31 - 1  # PostgreSQL integer
_DIGITS = re.compile(r"[0-9]{1,12}")


def _by_ref(session: Session, model, ref, **scope):
    """A row named by its id (a number or digits) or by its code; None when there is none."""
    if ref is None or ref == "":
        return None
    stmt = select(model).filter_by(**scope)
    if isinstance(ref, str) and _DIGITS.fullmatch(ref):
        ref = int(ref)
    if isinstance(ref, int) and not isinstance(ref, bool):
        # Ids past PostgreSQL's integer range name nothing (and must not reach the database as a bind error).
        return session.scalar(stmt.where(model.id == ref)) if 1 <= ref <= MAX_ID else None
    return session.scalar(stmt.where(model.code == ref)) if isinstance(ref, str) else None


def service_by_ref(session: Session, ref) -> Service | None:
    """A service by id or code, as an API client names it (switched-off ones too: submitting refuses those)."""
    return _by_ref(session, Service, ref)


def request_type_by_ref(session: Session, service_id: int, ref) -> RequestType | None:
    """A request type of this service by id or code."""
    return _by_ref(session, RequestType, ref, service_id=service_id)
