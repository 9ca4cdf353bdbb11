"""Child cards: a request fans out into cards on other boards; the parent rolls up their progress.

A child's move bumps the parent's board too, so the parent card's "2/3" updates live.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import permissions
from data import hooks
from data.tickets import actions as tickets
from data.errors import NotFound
from data.events import bump_revision, record
from data.models import Board, BoardColumn, ColumnFanout, RequestType, Ticket, User


def create(session: Session, actor: User, parent_id: int, board_id: int, title: str,
           assignee_id: int | None = None, card_type: str | None = None) -> Ticket:
    """A child card on another (or the same) board; it inherits the requester and service."""
    permissions.require_staff_writer(actor, "errors.action.create_child_cards")
    parent = tickets.get(session, actor, parent_id)
    # The parent must be within the actor's teams; the child may go to any board (fan-out hands work to
    # other teams, as a request would).
    permissions.require_ticket_access(session, actor, parent, "errors.action.create_child_cards")
    board = session.get(Board, board_id)
    if board is None:
        raise NotFound("errors.board_not_found", id=board_id)
    child = tickets.create(session, actor, title=title, board_id=board.id, requester_id=parent.requester_id,
                           service_id=parent.service_id, priority_id=parent.priority_id, assignee_id=assignee_id,
                           parent_id=parent.id, card_type=card_type, channel="agent")
    record(session, parent, "field", actor, from_value=None, to_value=f"#{child.number}",
           data={"field": "child", "child_id": child.id})
    bump_revision(session, parent.board_id, parent.column_id)
    return child


def of(session: Session, parent_id: int) -> list[dict]:
    """The children with their board, column and status (what the parent's card page lists)."""
    rows = session.execute(select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Board.name,
                                  BoardColumn.name, User.name)
                           .join(Board, Board.id == Ticket.board_id)
                           .join(BoardColumn, BoardColumn.id == Ticket.column_id)
                           .outerjoin(User, User.id == Ticket.assignee_id)
                           .where(Ticket.parent_id == parent_id).order_by(Ticket.number))
    return [{"id": i, "number": n, "title": t, "status": st, "board": b, "column": c, "assignee": a}
            for i, n, t, st, b, c, a in rows]


def progress(session: Session, parent_id: int) -> tuple[int, int]:
    """(done, total) over the children — the same roll-up the requester sees in the portal
    (rollup: chain steps not created yet count in the total)."""
    whole = rollup(session, session.get(Ticket, parent_id))
    return whole["done"], whole["total"]


@hooks.on("moved", "created")
def _roll_up(session: Session, trigger: str, ticket: Ticket, actor, **_context) -> None:
    """The parent card shows its children's progress: tell its board to re-render."""
    if ticket.parent_id is None:
        return
    parent = session.execute(select(Ticket.board_id, Ticket.column_id).where(Ticket.id == ticket.parent_id)).first()
    if parent is not None:
        bump_revision(session, parent.board_id, parent.column_id)


def templates_of(session: Session, parent: Ticket, column_id: int | None) -> tuple[list, str]:
    """(child templates, mode) of the parent's request type (column_id None) or of the column it entered."""
    if column_id:
        fan = session.scalar(select(ColumnFanout).where(ColumnFanout.column_id == column_id))
        return (fan.children or [], fan.children_mode) if fan else ([], "parallel")
    rt = session.get(RequestType, parent.request_type_id) if parent.request_type_id else None
    return (rt.children or [], rt.children_mode) if rt else ([], "parallel")


def rollup(session: Session, parent: Ticket) -> dict:
    """Progress of the parent's children: {"done", "total", "children": [{number, title, status, requester_status}]}.

    Chain steps not created yet count in the total."""
    rows = session.execute(select(Ticket.number, Ticket.title, Ticket.status, Ticket.fields, BoardColumn.requester_status,
                                  BoardColumn.name)
                           .join(BoardColumn, BoardColumn.id == Ticket.column_id)
                           .where(Ticket.parent_id == parent.id).order_by(Ticket.id)).all()
    created: dict = {}
    for row in rows:
        origin = (row.fields or {}).get("fanout_column")
        created[origin] = created.get(origin, 0) + 1
    pending = 0
    origins = set(created) | ({None} if parent.request_type_id else set())
    for origin in origins:
        templates, _mode = templates_of(session, parent, origin)
        pending += max(0, len(templates) - created.get(origin, 0))
    children = [{"number": r.number, "title": r.title, "status": r.status, "requester_status": r.requester_status or r.name}
                for r in rows]
    return {"done": sum(1 for c in children if c["status"] == "done"), "total": len(rows) + pending,
            "children": children}
