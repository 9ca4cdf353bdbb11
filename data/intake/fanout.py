"""Fan-out: child cards on other boards from a request type's `children` templates.

A template: {"board_id", "column_id"?, "title" ("{employee}" etc. filled from the parent's form values,
plus {number} and {title}), "card_type", "checklist": [{"text", "required_on_submit"}] or ["text"],
"assignee_id"?, "team_id"? + "assign": "round_robin" | "least_loaded"}.
Two origins: a request type's `children` (created with the request) and a column's ColumnFanout
(created when a card enters that column, once per card and column).
children_mode "parallel" creates them all at once; "chain" creates the first, and each next one when the
previous reaches a done column (the "moved" hook below). The parent shows a roll-up of its children,
which the requester sees in the portal. Each child keeps its step in fields["fanout_step"] and, for a
column's templates, the column in fields["fanout_column"].
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import hooks
from data.messaging import notify
from data.intake import routing
from data.tickets import actions as tickets
from data.tickets import children
from data.tickets import status as statuses
from data.models import BoardColumn, ChecklistItem, ColumnFanout, RequestType, Ticket

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


def create_child(session: Session, parent: Ticket, template: dict, step: int, at: datetime | None = None,
                 origin_column: int | None = None) -> Ticket | None:
    """One child card; `origin_column` is the column whose templates it comes from (None: the request type)."""
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
                           fields={"fanout_step": step, **({"fanout_column": origin_column} if origin_column else {})},
                           at=at)
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


@hooks.on("approved")
def on_approved(session: Session, trigger: str, ticket: Ticket, actor, **_context) -> None:
    """A request that waited for approval gets its type's child cards when approved (data/approvals)."""
    if ticket.request_type_id:
        create_children(session, ticket, session.get(RequestType, ticket.request_type_id))


def _step_exists(session: Session, parent_id: int, step: int, column_id: int | None) -> bool:
    query = select(Ticket.id).where(Ticket.parent_id == parent_id, Ticket.fields["fanout_step"].as_integer() == step)
    query = query.where(Ticket.fields["fanout_column"].as_integer() == column_id) if column_id else \
        query.where(~Ticket.fields.has_key("fanout_column"))
    return session.scalar(query.limit(1)) is not None


@hooks.on("moved", "created")
def on_moved(session: Session, trigger: str, ticket: Ticket, actor, old: dict | None = None, **_kw) -> None:
    """A card entered (or was created in) a column with child templates → create them; a chained child is
    done → the next one."""
    old = old or {}
    if old.get("column") != ticket.column_id:
        fan = session.scalar(select(ColumnFanout).where(ColumnFanout.column_id == ticket.column_id))
        if fan is not None and fan.children and not _step_exists(session, ticket.id, 0, ticket.column_id):
            templates = fan.children[:1] if fan.children_mode == "chain" else fan.children
            for step, template in enumerate(templates):
                create_child(session, ticket, template, step, origin_column=ticket.column_id)
    if not ticket.parent_id or not statuses.resolves(old.get("status"), ticket.status):
        return
    fields = ticket.fields or {}
    step, column_id = fields.get("fanout_step"), fields.get("fanout_column")
    parent = session.get(Ticket, ticket.parent_id)
    if step is None or parent is None:
        return
    templates, mode = children.templates_of(session, parent, column_id)
    if mode == "chain" and step + 1 < len(templates) and not _step_exists(session, parent.id, step + 1, column_id):
        create_child(session, parent, templates[step + 1], step + 1, origin_column=column_id)
