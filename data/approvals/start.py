"""Starting an approval when a request of a type that needs one is submitted (data/intake/submit.py).

Where the card waits: with OKNO_APPROVAL_PAUSES_SLA on (the default) in a "waiting" column of its board — the
type's chosen one, else the first — so the SLA clock pauses exactly as it does for any waiting card
(data/sla/clock.py), and the history shows the pause. Once approved it moves to the column routing chose;
rejected, it is resolved. With the setting off, or a board without a waiting column, it stays where routing
put it, marked as waiting for approval, and the clock runs.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.approvals import ask, people
from data.approvals.config import steps_of
from data.config import get_config
from data.events import record
from data.messaging import staff
from data.models import ApprovalFlow, BoardColumn, RequestType, Ticket

log = logging.getLogger(__name__)


def placement(session: Session, request_type: RequestType | None, board_id: int, column_id: int | None,
              lane_id: int | None) -> tuple[int | None, int | None, tuple[int | None, int | None] | None]:
    """(column, lane) the new card is created in, and where it goes once approved (None: it stays)."""
    if not steps_of(request_type) or not get_config().approval_pauses_sla:
        return column_id, lane_id, None
    columns = list(session.scalars(select(BoardColumn).where(BoardColumn.board_id == board_id)
                                   .order_by(BoardColumn.position)))
    wanted = (request_type.approval or {}).get("column_id")
    waiting = next((c for c in columns if c.id == wanted and c.kind == "waiting"), None) or \
        next((c for c in columns if c.kind == "waiting"), None)
    if waiting is None:
        return column_id, lane_id, None
    back = column_id or (columns[0].id if columns else None)
    return waiting.id, lane_id, (back, lane_id)


def start(session: Session, ticket: Ticket, request_type: RequestType,
          back: tuple[int | None, int | None] | None, now: datetime | None = None) -> ApprovalFlow:
    """The ticket's approval, pending, with its first step's approvers asked."""
    flow = ApprovalFlow(ticket_id=ticket.id, state="pending", steps=steps_of(request_type), step=0,
                        return_column_id=back[0] if back else None, return_lane_id=back[1] if back else None)
    if now is not None:
        flow.started_at = now
    session.add(flow)
    session.flush()
    record(session, ticket, "approval", None, at=now, to_value="pending", data={"steps": len(flow.steps)})
    open_step(session, ticket, flow, 0, now)
    return flow


def open_step(session: Session, ticket: Ticket, flow: ApprovalFlow, index: int, now: datetime | None = None) -> bool:
    """Ask the step's approvers; False when nobody can decide it (then the caller approves it as skipped).

    A step whose approvers can't be found (a manager nobody recorded, an empty group) goes to the team lead
    rather than being skipped silently: an approval must be someone's decision."""
    flow.step = index
    users = people.approvers(session, ticket, flow.steps[index])
    if not users:
        lead = staff.team_lead(session, ticket)
        users = [lead] if lead is not None and lead.is_active else []
        if users:
            record(session, ticket, "approval", None, at=now, to_value="to_lead",
                   data={"step": index, "approver_id": lead.id})
    if not users:
        log.warning("approval of #%s: step %s has no approver and no team lead", ticket.number, index + 1)
        return False
    for user in users:
        ask.ask(session, ticket, index, user, now)
    return True
