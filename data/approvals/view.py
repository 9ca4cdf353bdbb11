"""Reading approvals: what waits for me (the /approvals page), a ticket's steps and decisions (the card),
and its state as the requester sees it (the portal)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import ApprovalFlow, RequestType, Requester, Service, Team, Ticket, TicketApproval, User


def waiting_for(session: Session, user: User) -> list[dict]:
    """The rows the user may decide now: asked, undecided, in the step their ticket's approval waits on.
    The summary (title, requester, service, form answers) is what they need to decide, whether or not
    they may open the card itself."""
    return _summaries(session, session.execute(
        select(TicketApproval, Ticket, ApprovalFlow)
        .join(Ticket, Ticket.id == TicketApproval.ticket_id)
        .join(ApprovalFlow, ApprovalFlow.ticket_id == Ticket.id)
        .where(TicketApproval.approver_id == user.id, TicketApproval.decision.is_(None),
               ApprovalFlow.state == "pending", ApprovalFlow.step == TicketApproval.step)
        .order_by(TicketApproval.asked_at, TicketApproval.id)).all())


def waiting_for_others(session: Session, user: User) -> list[dict]:
    """For an admin: every other approval waiting now, one row per ticket (its first undecided approver), so
    that they can decide in their own name when the approvers can't (data/approvals/decide.py)."""
    if user is None or user.role != "admin":
        return []
    mine = select(TicketApproval.ticket_id).where(TicketApproval.approver_id == user.id,
                                                  TicketApproval.decision.is_(None))
    rows = session.execute(
        select(TicketApproval, Ticket, ApprovalFlow)
        .join(Ticket, Ticket.id == TicketApproval.ticket_id)
        .join(ApprovalFlow, ApprovalFlow.ticket_id == Ticket.id)
        .where(TicketApproval.decision.is_(None), ApprovalFlow.state == "pending",
               ApprovalFlow.step == TicketApproval.step, Ticket.id.not_in(mine))
        .order_by(TicketApproval.asked_at, TicketApproval.id)).all()
    seen: set[int] = set()
    return _summaries(session, [r for r in rows if not (r[1].id in seen or seen.add(r[1].id))])


def _summaries(session: Session, rows) -> list[dict]:
    out = []
    for row, ticket, flow in rows:
        requester = session.get(Requester, ticket.requester_id) if ticket.requester_id else None
        service = session.get(Service, ticket.service_id) if ticket.service_id else None
        rt = session.get(RequestType, ticket.request_type_id) if ticket.request_type_id else None
        out.append({"id": row.id, "ticket_id": ticket.id, "number": ticket.number, "title": ticket.title,
                    "requester": requester.name if requester else "—", "service": service.name if service else "",
                    "type": rt.name if rt else "", "description": ticket.description, "fields": ticket.fields or {},
                    "schema": (rt.field_schema if rt else None) or [],
                    "step": row.step + 1, "steps": len(flow.steps), "asked_at": row.asked_at})
    return out


def state_of(session: Session, ticket_id: int) -> str:
    """none | pending | approved | rejected."""
    return session.scalar(select(ApprovalFlow.state).where(ApprovalFlow.ticket_id == ticket_id)) or "none"


def of_ticket(session: Session, ticket_id: int) -> dict | None:
    """The approval of a ticket for its card: state and, per step, who was asked and what they said."""
    flow = session.get(ApprovalFlow, ticket_id)
    if flow is None:
        return None
    rows = session.execute(select(TicketApproval, User.name).join(User, User.id == TicketApproval.approver_id)
                           .where(TicketApproval.ticket_id == ticket_id)
                           .order_by(TicketApproval.step, TicketApproval.id)).all()
    steps = []
    for index, step in enumerate(flow.steps):
        steps.append({"index": index + 1, "kind": step.get("kind"), "ref": step.get("ref"), "mode": step.get("mode"),
                      "who": _who(session, step),
                      "current": flow.state == "pending" and index == flow.step,
                      "approvers": [{"id": r.id, "name": name, "decision": r.decision, "comment": r.comment,
                                     "channel": r.channel, "decided_at": r.decided_at, "approver_id": r.approver_id}
                                    for r, name in rows if r.step == index]})
    return {"state": flow.state, "step": flow.step, "steps": steps, "decided_at": flow.decided_at}


def _who(session: Session, step: dict) -> str | None:
    """The name a step's ref stands for: a person's or a group's name, a role; None for the manager."""
    kind, ref = step.get("kind"), step.get("ref")
    if kind == "person":
        return session.scalar(select(User.name).where(User.id == int(ref or 0)))
    if kind == "group":
        return session.scalar(select(Team.name).where(Team.id == int(ref or 0)))
    return str(ref) if kind == "role" else None


def for_requester(session: Session, ticket_id: int) -> dict | None:
    """What the requester sees: the state, and the reason of a rejection."""
    flow = session.get(ApprovalFlow, ticket_id)
    if flow is None:
        return None
    reason = None
    if flow.state == "rejected":
        reason = session.scalar(select(TicketApproval.comment).where(TicketApproval.ticket_id == ticket_id,
                                                                     TicketApproval.decision == "rejected")
                                .order_by(TicketApproval.decided_at.desc()).limit(1))
    return {"state": flow.state, "reason": reason}
