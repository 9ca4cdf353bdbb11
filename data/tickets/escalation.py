"""Support lines: escalate a card from its line (L1) to the next (L2, then L3).

The card moves to the board of the team with the next line level, into that board's first queue
column, unassigned (the next line picks it up). The ticket keeps its number, history and SLA
clocks: the move is an 'escalated' event with the column kinds, so the SLA maths sees it. A line's lane
on a board hands a card over without moving it (data/boards/lanes.py); both write record_handover().
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data import permissions
from data import hooks
from data.messaging import staff as staff_notify
from data.errors import Text, ValidationError
from data.events import bump_revision, record
from data.i18n import N_
from data.models import Board, BoardColumn, Team, Ticket, User
from data.tickets import status as statuses
from data.tickets.actions import _check_wip, _top_position, changed_meanwhile, get, lock_placement, now  # noqa: PLC2701


def current_line(session: Session, ticket: Ticket) -> Team | None:
    """The ticket's team, else its board's team."""
    team_id = ticket.team_id or session.scalar(select(Board.team_id).where(Board.id == ticket.board_id))
    return session.get(Team, team_id) if team_id else None


def next_line(session: Session, team: Team | None) -> Team | None:
    level = team.line_level if team and team.line_level is not None else 0
    return session.scalar(select(Team).where(Team.line_level > level)
                          .order_by(Team.line_level, Team.id).limit(1))


def record_handover(session: Session, ticket: Ticket, actor, from_team_id: int | None, to_team_id: int,
                    *, at=None, data: dict | None = None, **placement) -> None:
    """The one `escalated` event: the ticket went from one support line (team) to another, by escalate()
    (the card moves to that line's board: `placement` names columns and statuses) or by entering a line's
    lane (data/boards/lanes.py: the card stays). The history shows the teams' names."""
    names = dict(session.execute(select(Team.id, Team.name)
                                 .where(Team.id.in_([t for t in (from_team_id, to_team_id) if t]))).all())
    record(session, ticket, "escalated", actor, at=at, from_value=names.get(from_team_id),
           to_value=names.get(to_team_id),
           data={"from_team_id": from_team_id, "to_team_id": to_team_id, **(data or {})}, **placement)


def escalate(session: Session, actor: User | None, ticket_id: int) -> Ticket:
    """Move the card to the next support line's board (first queue column) and record 'escalated'."""
    if actor is not None:
        permissions.require_staff_writer(actor, "errors.action.escalate_tickets")
    ticket = get(session, actor, ticket_id)
    if actor is not None:
        permissions.require_ticket_access(session, actor, ticket, "errors.action.escalate_tickets")
    team = current_line(session, ticket)
    target = next_line(session, team)
    name = team.name if team else "—"
    if target is None:
        raise ValidationError("escalation.no_next_line", {"ticket": Text("escalation.no_next_line", team=name)},
                              team=name)
    board = session.scalar(select(Board).where(Board.team_id == target.id).order_by(Board.id).limit(1))
    column = session.scalar(select(BoardColumn).where(BoardColumn.board_id == board.id)
                            .order_by((BoardColumn.kind != "queue"), BoardColumn.position).limit(1)) if board else None
    if column is None:
        raise ValidationError("escalation.no_board", {"ticket": Text("escalation.no_board", team=target.name)},
                              team=target.name)
    lock_placement(session, column, ticket)  # the same WIP and position rules as a move
    _check_wip(session, column, None, ticket)
    old = {"board": ticket.board_id, "column": ticket.column_id, "lane": ticket.lane_id, "status": ticket.status,
           "assignee": ticket.assignee_id}
    when = now()
    values = {"board_id": board.id, "column_id": column.id, "lane_id": None, "team_id": target.id,
              "status": column.kind, "assignee_id": None, "version": ticket.version + 1, "updated_at": when,
              "position": _top_position(session, column),
              **statuses.entering(column.kind, from_status=old["status"], column_changed=True,
                                  started=ticket.started_at is not None, when=when)}
    result = session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.version == ticket.version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise changed_meanwhile(ticket.number, None)
    session.refresh(ticket)
    record_handover(session, ticket, actor, team.id if team else None, target.id, at=when,
                    data={"from_board": old["board"]}, board_id=board.id, from_column_id=old["column"],
                    to_column_id=column.id, from_lane_id=old["lane"], from_status=old["status"],
                    to_status=column.kind, from_user_id=old["assignee"])
    bump_revision(session, old["board"], old["column"])
    bump_revision(session, board.id, column.id)
    if target.lead_id:
        staff_notify.notify(session, session.get(User, target.lead_id), ticket, "escalated", N_("escalation.notify"),
                            number=ticket.number, title=ticket.title, team=target.name)
    hooks.fire(session, "escalated", ticket, actor, old=old)
    return ticket
