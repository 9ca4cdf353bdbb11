"""Fan-out: child cards on other boards from a request type's `children` templates.

A template: {"board_id", "column_id"?, "title" ("{employee}" etc. filled from the parent's form values,
plus {number} and {title}), "card_type", "checklist": [{"text", "required_on_submit"}] or ["text"],
"assignee_id"?, "team_id"? + "assign": "round_robin" | "least_loaded"}.
children_mode "parallel" creates them all at once; "chain" creates the first, and each next one when the
previous reaches a done column (the "moved" hook below). The parent shows a roll-up of its children,
which the requester sees in the portal. Each child keeps its step in fields["fanout_step"].
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import hooks, notify, routing, tickets
from .models import BoardColumn, ChecklistItem, RequestType, Ticket

log = logging.getLogger(__name__)


class _Blank(dict):
    def __missing__(self, key):
        return ""


def _title(template: str, parent: Ticket) -> str:
    values = _Blank({k: (", ".join(v) if isinstance(v, list) else v) for k, v in (parent.fields or {}).items()})
    values.update(number=parent.number, title=parent.title)
    try:
        return template.format_map(values).strip() or parent.title
    except (ValueError, IndexError, AttributeError):  # a stray brace in an admin's template
        return template


def add_checklist(session: Session, ticket: Ticket, items: list, done: set[int] = frozenset(),
                  at: datetime | None = None) -> None:
    """Copy a checklist template onto a ticket; items whose index is in `done` start ticked."""
    for position, item in enumerate(items or []):
        text = item.get("text") if isinstance(item, dict) else str(item)
        if not text:
            continue
        required = bool(item.get("required_on_submit")) if isinstance(item, dict) else False
        session.add(ChecklistItem(ticket_id=ticket.id, text=text, position=position, required=required,
                                  done=position in done, done_at=at if position in done else None))
    session.flush()


def create_child(session: Session, parent: Ticket, template: dict, step: int, at: datetime | None = None) -> Ticket | None:
    board_id = template.get("board_id")
    if not board_id:
        log.warning("child template %d of ticket %s has no board; skipped", step, parent.id)
        return None
    assignee = template.get("assignee_id")
    if not assignee and template.get("team_id"):
        pick = routing.least_loaded if template.get("assign") == "least_loaded" else routing.round_robin
        assignee = pick(session, int(template["team_id"]))
    column_id = template.get("column_id")
    if column_id and session.scalar(select(BoardColumn.board_id).where(BoardColumn.id == column_id)) != board_id:
        column_id = None
    r = routing.Route(board_id=int(board_id), column_id=column_id, assignee_id=assignee)
    routing._fit_board(session, r)  # noqa: SLF001 - same placement rules as a request
    child = tickets.create(session, None, title=_title(template.get("title") or parent.title, parent),
                           board_id=r.board_id, column_id=r.column_id, lane_id=r.lane_id, channel="agent",
                           assignee_id=r.assignee_id, card_type=template.get("card_type"), parent_id=parent.id,
                           team_id=template.get("team_id"), priority_id=parent.priority_id,
                           fields={"fanout_step": step}, at=at)
    add_checklist(session, child, template.get("checklist") or [], at=at)
    notify.notify_assignee(session, child)
    return child


def create_children(session: Session, parent: Ticket, request_type: RequestType | None,
                    at: datetime | None = None) -> list[Ticket]:
    """Create the request type's child cards for a new parent: all of them, or the first of a chain."""
    templates = (request_type.children if request_type else None) or []
    if not templates:
        return []
    if request_type.children_mode == "chain":
        templates = templates[:1]
    return [c for step, t in enumerate(templates) if (c := create_child(session, parent, t, step, at))]


@hooks.on("moved")
def next_in_chain(session: Session, trigger: str, ticket: Ticket, actor, old: dict | None = None, **_kw) -> None:
    """A chained child reached done: create the next one (once)."""
    if not ticket.parent_id or ticket.status != "done" or (old or {}).get("status") == "done":
        return
    step = (ticket.fields or {}).get("fanout_step")
    parent = session.get(Ticket, ticket.parent_id)
    rt = session.get(RequestType, parent.request_type_id) if parent and parent.request_type_id else None
    if step is None or rt is None or rt.children_mode != "chain" or step + 1 >= len(rt.children or []):
        return
    exists = session.scalar(select(Ticket.id).where(Ticket.parent_id == parent.id,
                                                    Ticket.fields["fanout_step"].as_integer() == step + 1))
    if exists is None:
        create_child(session, parent, rt.children[step + 1], step + 1)


def rollup(session: Session, parent: Ticket) -> dict:
    """Progress of the parent's children: {"done", "total", "children": [{number, title, status, requester_status}]}.

    For a chain, steps not yet created count in the total."""
    rows = session.execute(select(Ticket.number, Ticket.title, Ticket.status, BoardColumn.requester_status,
                                  BoardColumn.name)
                           .join(BoardColumn, BoardColumn.id == Ticket.column_id)
                           .where(Ticket.parent_id == parent.id).order_by(Ticket.id)).all()
    rt = session.get(RequestType, parent.request_type_id) if parent.request_type_id else None
    total = max(len(rows), len(rt.children or []) if rt else 0)
    children = [{"number": n, "title": t, "status": s, "requester_status": rs or col} for n, t, s, rs, col in rows]
    return {"done": sum(1 for c in children if c["status"] == "done"), "total": total, "children": children}
