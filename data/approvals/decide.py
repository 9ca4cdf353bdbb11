"""Deciding: an approver approves or rejects, with an optional comment, from the web (`decide`), an email
link (`decide_with_token`) or a Telegram button (`decide_from_chat`).

Only the approver asked may decide their row (an admin may decide any waiting step: nobody else may be
left to). A row decides once; a step whose mode is "any" is settled by its first decision, an "all" step
when everyone approved or anyone rejected. The last approved step sends the card to work (its routed
column); a rejection resolves it, and the requester gets the reason. Each decision is a ticket event
(`approval`) and an audit row.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from data import audit, hooks, limits
from data.approvals.start import open_step
from data.csat.ask import token_hash
from data.errors import LimitExceeded, NotFound, PermissionDenied, ValidationError
from data.events import record
from data.i18n import translate
from data.models import ApprovalFlow, BoardColumn, Requester, Ticket, TicketApproval, User
from data.tickets import actions as tickets

log = logging.getLogger(__name__)
DECISIONS = ("approved", "rejected")
AUDIT_ACTIONS = {"approved": "approval.approve", "rejected": "approval.reject"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _locked_row(session: Session, row_id) -> TicketApproval | None:
    try:
        row_id = int(row_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(select(TicketApproval).where(TicketApproval.id == row_id).with_for_update())


def row_for_token(session: Session, token: str, now: datetime | None = None, lock: bool = False) -> TicketApproval:
    """The open row an email link names, or a refusal: unknown (forged), used, closed or expired."""
    stmt = select(TicketApproval).where(TicketApproval.token_hash == token_hash(token or ""))
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound("approvals.error.unknown")
    _check_open(session, row)
    if row.expires_at is not None and row.expires_at <= (now or _now()):
        raise ValidationError("approvals.error.expired")
    return row


def _check_open(session: Session, row: TicketApproval) -> ApprovalFlow:
    if row.decision is not None:
        raise ValidationError("approvals.error.used")
    flow = session.scalar(select(ApprovalFlow).where(ApprovalFlow.ticket_id == row.ticket_id).with_for_update())
    if flow is None or flow.state != "pending" or flow.step != row.step:
        raise ValidationError("approvals.error.closed")
    return flow


def decide(session: Session, actor: User | None, row_id, decision: str, comment: str | None = None,
           now: datetime | None = None) -> TicketApproval:
    """The signed-in approver decides their row (web). Someone else's row is refused; an admin may decide
    a waiting step in their own name."""
    if actor is None or not isinstance(actor, User) or not actor.is_active:
        raise PermissionDenied("approvals.error.not_approver")
    row = _locked_row(session, row_id)
    if row is None:
        raise NotFound("approvals.error.unknown")
    override = row.approver_id != actor.id
    if override:
        if actor.role != "admin":
            raise PermissionDenied("approvals.error.not_approver")
        row = _admin_row(session, actor, row)
    return _record(session, row, actor, decision, comment, "web", now, settles=override)


def _admin_row(session: Session, admin: User, row: TicketApproval) -> TicketApproval:
    own = session.scalar(select(TicketApproval).where(TicketApproval.ticket_id == row.ticket_id,
                                                      TicketApproval.step == row.step,
                                                      TicketApproval.approver_id == admin.id).with_for_update())
    if own is None:
        own = TicketApproval(ticket_id=row.ticket_id, step=row.step, approver_id=admin.id)
        session.add(own)
        session.flush()
    return own


def decide_with_token(session: Session, token: str, decision: str, comment: str | None = None,
                      now: datetime | None = None) -> TicketApproval:
    """The email link is the approver's proof: single use, until it expires."""
    row = row_for_token(session, token, now, lock=True)
    user = session.get(User, row.approver_id)
    if user is None or not user.is_active:
        raise PermissionDenied("approvals.error.not_approver")
    return _record(session, row, user, decision, comment, "email", now)


def decide_from_chat(session: Session, chat_id: str, row_id, decision: str, now: datetime | None = None
                     ) -> TicketApproval:
    """A Telegram button: the chat must be the approver's own (their profile's chat id); any other chat,
    or a made-up row id, is refused as unknown."""
    row = _locked_row(session, row_id)
    user = session.get(User, row.approver_id) if row is not None else None
    if user is None or not user.is_active or not chat_id or user.telegram_chat_id != str(chat_id):
        raise NotFound("approvals.error.unknown")
    return _record(session, row, user, decision, None, "telegram", now)


def _record(session: Session, row: TicketApproval, user: User, decision: str, comment: str | None, channel: str,
            now: datetime | None, settles: bool = False) -> TicketApproval:
    """`settles`: an admin decided in place of the approvers, which settles the step whatever its mode."""
    if decision not in DECISIONS:
        raise ValidationError("approvals.error.decision")
    flow = _check_open(session, row)
    when = now or _now()
    row.decision, row.channel, row.decided_at = decision, channel, when
    row.comment = limits.check((comment or "").replace("\x00", "").strip(), "rating_comment", "comment") or None
    ticket = session.get(Ticket, row.ticket_id)
    record(session, ticket, "approval", user, at=when, to_value=decision,
           data={"step": row.step, "approver_id": user.id, "comment": row.comment, "channel": channel,
                 "in_place_of_approvers": settles})
    audit.record(session, user, AUDIT_ACTIONS[decision],
                 ("ticket", ticket.id, f"#{ticket.number} {ticket.title}"),
                 after={"step": row.step + 1, "decision": decision, "comment": row.comment, "channel": channel})
    session.flush()
    _settle(session, ticket, flow, row, user, when, settles)
    return row


def _settle(session: Session, ticket: Ticket, flow: ApprovalFlow, row: TicketApproval, user: User,
            when: datetime, settles: bool = False) -> None:
    """Close the step (and the approval) when this decision settles it."""
    if row.decision == "rejected":
        _finish(session, ticket, flow, "rejected", user, when, reason=row.comment)
        return
    mode = flow.steps[flow.step].get("mode", "any")
    if mode == "all" and not settles:
        waiting = session.scalar(select(TicketApproval.id).where(
            TicketApproval.ticket_id == ticket.id, TicketApproval.step == flow.step,
            TicketApproval.decision.is_(None)).limit(1))
        if waiting is not None:
            return
    for index in range(flow.step + 1, len(flow.steps)):
        if open_step(session, ticket, flow, index, when):
            return
    _finish(session, ticket, flow, "approved", user, when)


def _finish(session: Session, ticket: Ticket, flow: ApprovalFlow, state: str, user: User, when: datetime,
            reason: str | None = None) -> None:
    flow.state, flow.decided_at = state, when
    record(session, ticket, "approval", None, at=when, to_value=state, data={"by": user.id})
    session.flush()
    if state == "approved":
        if flow.return_column_id and ticket.column_id != flow.return_column_id:
            try:
                with session.begin_nested():
                    tickets.move(session, None, ticket.id, flow.return_column_id, flow.return_lane_id, at=when)
            except LimitExceeded:  # a full column (hard WIP limit) must not undo the approval: a person moves it
                log.warning("approved #%s stays in its waiting column: the routed column is full", ticket.number)
        hooks.fire(session, "approved", ticket, user)
        return
    locale = None
    if ticket.requester_id:
        locale = session.scalar(select(Requester.locale).where(Requester.id == ticket.requester_id))
    body = translate("approvals.rejected.reply", locale or "ru", number=ticket.number, approver=user.name,
                     reason=reason or "—")
    tickets.comment(session, None, ticket.id, body, public=True, system=True, at=when)
    # The board's "declined" done column if it has one (board settings), else its first done column.
    done = session.scalar(select(BoardColumn.id).where(BoardColumn.board_id == ticket.board_id,
                                                       BoardColumn.kind == "done")
                          .order_by(case((BoardColumn.outcome == "declined", 0), else_=1), BoardColumn.position)
                          .limit(1))
    if done is not None and ticket.column_id != done:
        tickets.move(session, None, ticket.id, done, ticket.lane_id, at=when)
