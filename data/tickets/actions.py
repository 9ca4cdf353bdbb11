"""Ticket service functions: create, move, assign, comment, block, change priority.

Each takes the session and the acting user, checks the permission, writes the change and its
event, and leaves the commit to the caller. Moves use an optimistic version check in the
UPDATE itself, so two agents moving one card can never both win.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.db import as_id
from data import hooks, limits, permissions
from data.messaging import outbox
from data.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, Text, ValidationError
from data.events import Actor, actor_name, bump_revision, record
from data.models import Board, BoardColumn, Comment, Lane, Priority, Requester, Ticket, TicketEvent, User
from data.tickets import assignees
from data.tickets import status as statuses

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def get(session: Session, actor: Actor, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """A ticket the actor may see: staff their teams' tickets (or all, by role), a requester only their own."""
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update()
    ticket = session.scalar(stmt) if as_id(ticket_id) else None
    if ticket is None:
        raise NotFound("errors.ticket_not_found", id=ticket_id)
    if isinstance(actor, Requester):
        if ticket.requester_id != actor.id:
            raise NotFound("errors.ticket_not_found", id=ticket_id)  # don't reveal that it exists
    elif actor is not None:
        permissions.require_ticket_reader(session, actor, ticket)
    return ticket


def get_by_number(session: Session, actor: Actor, number: int) -> Ticket:
    wanted = as_id(number)
    ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == wanted)) if wanted else None
    if ticket_id is None:
        raise NotFound("errors.ticket_number_not_found", number=number)
    return get(session, actor, ticket_id)


def create(session: Session, actor: Actor, *, title: str, board_id: int, column_id: int | None = None,
           lane_id: int | None = None, description: str = "", requester_id: int | None = None,
           channel: str = "agent", service_id: int | None = None, request_type_id: int | None = None,
           priority_id: int | None = None, assignee_id: int | None = None, team_id: int | None = None,
           fields: dict | None = None, parent_id: int | None = None, card_type: str | None = None,
           description_html: str | None = None, at: datetime | None = None) -> Ticket:
    """Create a ticket as a card on a board (first column when none given) and record `created`."""
    if isinstance(actor, User):
        permissions.require_staff_writer(actor, "errors.action.create_tickets")
    title = (title or "").replace("\x00", "").strip()
    if not title:
        raise ValidationError("errors.title_required", {"title": Text("errors.field.required")})
    limits.check(title, "title", "title")
    description = limits.check((description or "").replace("\x00", ""), "text", "description")
    board = session.get(Board, board_id)
    if board is None:
        raise NotFound("errors.board_not_found", id=board_id)
    column = session.get(BoardColumn, column_id) if column_id else session.scalar(
        select(BoardColumn).where(BoardColumn.board_id == board_id).order_by(BoardColumn.position).limit(1))
    if column is None or column.board_id != board_id:
        raise ValidationError("errors.column_not_on_board", {"column": Text("errors.field.invalid")})
    lane = session.get(Lane, lane_id) if lane_id else None
    if lane is not None and lane.board_id != board_id:
        raise ValidationError("errors.lane_not_on_board", {"lane": Text("errors.field.invalid")})
    if lane is not None and lane.user_id and assignee_id is None:
        assignee_id = lane.user_id
    assignee_id = _assignee_on(session, actor, assignee_id, board, team_id)
    lock_placement(session, column)
    if isinstance(actor, User):  # staff are refused by a hard limit; a request from a channel never (nothing lost)
        _check_wip(session, column, lane, None)
    when = at or now()
    ticket = Ticket(title=title, description=description, description_html=limits.html(description_html),
                    board_id=board_id, column_id=column.id,
                    lane_id=lane.id if lane else None, status=column.kind, requester_id=requester_id,
                    channel=channel, service_id=service_id, request_type_id=request_type_id,
                    priority_id=priority_id, assignee_id=assignee_id, team_id=team_id, fields=fields or {},
                    parent_id=parent_id, card_type=card_type, created_at=when, updated_at=when,
                    position=_top_position(session, column),
                    **statuses.entering(column.kind, from_status=None, column_changed=True, started=False, when=when))
    session.add(ticket)
    session.flush()
    record(session, ticket, "created", actor, at=when, board_id=board_id, to_column_id=column.id,
           to_lane_id=ticket.lane_id, to_status=column.kind, to_user_id=assignee_id)
    bump_revision(session, board_id, column.id)
    hooks.fire(session, "created", ticket, actor)
    return ticket


def _assignee_on(session: Session, actor: Actor, user_id: int | None, board: Board, team_id: int | None) -> int | None:
    """The assignee a new card on `board` may have (permissions.assignable; the database holds the same rule).
    Staff naming someone who may not work there are refused; routing or a lane on behalf of a channel leaves
    the card unassigned instead: a request is never lost for a misconfigured assignment."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if permissions.assignable(session, user, board.id, team_id):
        return user_id
    if isinstance(actor, User):
        raise not_assignable(user, board)
    log.warning("ticket on board %s left unassigned: user %s may not be its assignee", board.id, user_id)
    return None


def not_assignable(user: User | None, board: Board) -> ValidationError:
    name = user.name if user is not None else "—"
    return ValidationError("errors.not_assignable", {"assignee": Text("errors.field.not_assignable")},
                           name=name, board=board.name)


def lock_placement(session: Session, column: BoardColumn, ticket: Ticket | None = None) -> None:
    """Serialise everything that places cards in `column`: the WIP count and the top position are then
    read after the previous placement committed, so a hard limit holds and two cards never get the same
    `min - 1`. One lock order everywhere, the order the rest of the code already takes (a ticket row,
    then bump_revision's board row, then column rows): the moved ticket, its boards by id, its columns
    by id. Locking a row twice in one transaction is free, so callers may call this more than once."""
    columns = {column.id: column.board_id}
    if ticket is not None:
        session.refresh(ticket, with_for_update=True)  # and its version as of now, for the version check
        if ticket.column_id:
            columns.setdefault(ticket.column_id, ticket.board_id)
    session.execute(select(Board.id).where(Board.id.in_(set(columns.values()))).order_by(Board.id)
                    .with_for_update())
    # The column objects are refreshed as locked: a kind changed meanwhile is the status the card gets.
    session.execute(select(BoardColumn).where(BoardColumn.id.in_(columns)).order_by(BoardColumn.id)
                    .with_for_update().execution_options(populate_existing=True))


def _top_position(session: Session, column: BoardColumn) -> float:
    # Call under lock_placement(column). board_id too, so the (board, column, position) index answers at once
    # even in a done column of 500k cards.
    lowest = session.scalar(select(func.min(Ticket.position)).where(Ticket.board_id == column.board_id,
                                                                    Ticket.column_id == column.id))
    return (lowest or 0.0) - 1.0


def _last_changer(session: Session, ticket_id: int) -> str | None:
    row = session.execute(select(User.name).join(TicketEvent, TicketEvent.actor_user_id == User.id)
                          .where(TicketEvent.ticket_id == ticket_id)
                          .order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(1)).first()
    return row[0] if row else None


def changed_meanwhile(number: int, who: str | None) -> Conflict:
    """The optimistic-lock refusal: someone (named when known) changed ticket #number since it was read."""
    if who:
        return Conflict("errors.ticket_changed_by", who, number=number, who=who)
    return Conflict("errors.ticket_changed", number=number)


def _check_wip(session: Session, column: BoardColumn, lane: Lane | None, ticket: Ticket | None) -> None:
    """A hard limit refuses the card; call under lock_placement(column), or concurrent moves all count
    the same free slot. (Lane limits are soft: shown, never refused.)"""
    if column.wip_limit and column.wip_hard and (ticket is None or column.id != ticket.column_id):
        count = session.scalar(select(func.count()).select_from(Ticket)
                               .where(Ticket.board_id == column.board_id, Ticket.column_id == column.id))
        if count >= column.wip_limit:
            raise LimitExceeded("errors.wip_limit", column=column.name, limit=column.wip_limit)


def move(session: Session, actor: User | None, ticket_id: int, column_id: int, lane_id: int | None = None,
         expected_version: int | None = None, position: float | None = None, at: datetime | None = None) -> Ticket:
    """Move a card to a column (and lane). Entering an agent's lane assigns the card to them."""
    if actor is not None:
        permissions.require_staff_writer(actor, "errors.action.move_cards")
    ticket = get(session, actor, ticket_id)
    column = session.get(BoardColumn, column_id)
    if column is None:
        raise NotFound("errors.column_not_found", id=column_id)
    board = session.get(Board, column.board_id)
    lane = session.get(Lane, lane_id) if lane_id else None
    if lane is not None and lane.board_id != column.board_id:
        raise ValidationError("errors.lane_not_on_board", {"lane": Text("errors.field.invalid")})
    if actor is not None:
        permissions.require_ticket_access(session, actor, ticket, "errors.action.move_cards")  # the source
        permissions.check_board_access(actor, board, session)  # the destination
        if lane_id != ticket.lane_id:
            permissions.check_lane_access(actor, lane, ticket.assignee_id)
    lock_placement(session, column, ticket)
    _check_wip(session, column, lane, ticket)
    version = ticket.version if expected_version is None else expected_version
    when = at or now()
    old = {"column": ticket.column_id, "lane": ticket.lane_id, "status": ticket.status,
           "board": ticket.board_id, "assignee": ticket.assignee_id}
    values = {"column_id": column.id, "lane_id": lane.id if lane else None, "board_id": column.board_id,
              "status": column.kind, "version": version + 1, "updated_at": when,
              "position": position if position is not None else _top_position(session, column)}
    values |= statuses.entering(column.kind, from_status=old["status"], column_changed=column.id != old["column"],
                                started=ticket.started_at is not None, when=when)
    if lane is not None and lane.user_id and lane.user_id != old["assignee"]:
        if not permissions.assignable(session, session.get(User, lane.user_id), board.id, ticket.team_id):
            raise not_assignable(session.get(User, lane.user_id), board)
        values["assignee_id"] = lane.user_id
    elif old["assignee"] and board.id != old["board"] and not permissions.assignable(
            session, session.get(User, old["assignee"]), board.id, ticket.team_id):
        values["assignee_id"] = None  # the other board's team picks it up (an `assigned` event says so)
    result = session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.version == version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        who = _last_changer(session, ticket.id)
        raise changed_meanwhile(ticket.number, who)
    session.refresh(ticket)
    record(session, ticket, "moved", actor, at=when, board_id=column.board_id, from_column_id=old["column"],
           to_column_id=column.id, from_lane_id=old["lane"], to_lane_id=ticket.lane_id,
           from_status=old["status"], to_status=column.kind)
    if ticket.assignee_id != old["assignee"]:
        record(session, ticket, "assigned", actor, at=when, from_user_id=old["assignee"],
               to_user_id=ticket.assignee_id)
    bump_revision(session, column.board_id, old["column"], column.id)
    if old["board"] != column.board_id:
        bump_revision(session, old["board"], old["column"])
    hooks.fire(session, "moved", ticket, actor, old=old)
    return ticket


def assign(session: Session, actor: User | None, ticket_id: int, user_id: int | None,
           expected_version: int | None = None) -> Ticket:
    """Give the card to an agent (agents may take cards themselves; leads give them to anyone of
    assignees.candidates: the agents and leads of the ticket's team)."""
    if actor is not None:
        permissions.require_staff_writer(actor, "errors.action.assign_tickets")
        if actor.role == "agent" and user_id not in (actor.id, None):
            raise PermissionDenied("errors.assign_lead_only")
    ticket = get(session, actor, ticket_id)
    assignee = session.get(User, user_id) if user_id is not None else None
    if user_id is not None and assignee is None:
        raise ValidationError("errors.no_such_agent", {"assignee": Text("errors.field.invalid")})
    if actor is not None:
        permissions.require_ticket_access(session, actor, ticket, "errors.action.assign_tickets")
    if assignee is not None and not permissions.assignable(session, assignee, ticket.board_id, ticket.team_id):
        raise not_assignable(assignee, session.get(Board, ticket.board_id))
    # Staff pick from the card's list: only the people who work the ticket (rules keep the wider rule above).
    if assignee is not None and actor is not None and not assignees.is_candidate(session, ticket, assignee):
        raise not_assignable(assignee, session.get(Board, ticket.board_id))
    if ticket.assignee_id == user_id:
        return ticket
    version = ticket.version if expected_version is None else expected_version
    old = ticket.assignee_id
    values = {"assignee_id": user_id, "version": version + 1, "updated_at": now()}
    agent_lane = session.scalar(select(Lane.id).where(Lane.board_id == ticket.board_id, Lane.user_id == user_id)) \
        if user_id else None
    if agent_lane:
        values["lane_id"] = agent_lane
    result = session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.version == version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise changed_meanwhile(ticket.number, _last_changer(session, ticket.id))
    session.refresh(ticket)
    record(session, ticket, "assigned", actor, from_user_id=old, to_user_id=user_id)
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "assigned", ticket, actor, old_assignee_id=old)
    return ticket


def set_priority(session: Session, actor: User | None, ticket_id: int, priority_id: int | None) -> Ticket:
    if actor is not None:
        permissions.require_staff_writer(actor, "errors.action.change_priority")
    ticket = get(session, actor, ticket_id, for_update=True)
    if actor is not None:
        permissions.require_ticket_access(session, actor, ticket, "errors.action.change_priority")
    if priority_id is not None and session.get(Priority, priority_id) is None:
        raise ValidationError("errors.unknown_priority", {"priority": Text("errors.field.invalid")})
    old, ticket.priority_id, ticket.updated_at = ticket.priority_id, priority_id, now()
    session.flush()
    record(session, ticket, "priority", actor, from_value=str(old or ""), to_value=str(priority_id or ""))
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "priority", ticket, actor, old_priority_id=old)
    return ticket


def set_blocked(session: Session, actor: User, ticket_id: int, blocked: bool, reason: str | None = None,
                at: datetime | None = None) -> Ticket:
    """Block a card with a reason (or unblock it); `at` backdates the event (imports, tests), as move's does."""
    permissions.require_staff_writer(actor, "errors.action.block_tickets")
    ticket = get(session, actor, ticket_id, for_update=True)
    permissions.require_ticket_access(session, actor, ticket, "errors.action.block_tickets")
    if blocked and not (reason or "").strip():
        raise ValidationError("errors.block_reason", {"reason": Text("errors.field.required")})
    limits.check(reason, "text", "reason")
    when = at or now()
    ticket.blocked, ticket.blocked_reason, ticket.updated_at = blocked, (reason or None) if blocked else None, when
    session.flush()
    record(session, ticket, "blocked" if blocked else "unblocked", actor, at=when, to_value=reason)
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "blocked", ticket, actor)
    return ticket


def comment(session: Session, actor: Actor, ticket_id: int, body: str, *, public: bool = True,
            channel: str = "agent", external_id: str | None = None, body_html: str | None = None,
            system: bool = False, at: datetime | None = None) -> Comment:
    """A public reply (queued to the requester's channel) or an internal note (staff only).

    The first public reply by an agent sets the ticket's first response time; auto-replies
    (system) and internal notes don't count.
    """
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise ValidationError("errors.message_empty", {"body": Text("errors.field.required")})
    limits.check(body, "text", "body")
    if isinstance(actor, User):
        permissions.require_staff_writer(actor, "errors.action.reply_to_tickets")
    if isinstance(actor, Requester) and not public:
        raise PermissionDenied("errors.requester_note")
    ticket = get(session, actor, ticket_id, for_update=True)
    if isinstance(actor, User):
        permissions.require_ticket_access(session, actor, ticket, "errors.action.reply_to_tickets")
    return _add_comment(session, ticket, actor, body, public=public, channel=channel, external_id=external_id,
                        body_html=body_html, system=system, at=at)


def comment_from_thread(session: Session, author: Requester, ticket_id: int, body: str, *, known: bool,
                        channel: str, external_id: str | None = None, body_html: str | None = None,
                        at: datetime | None = None) -> Comment:
    """A message on a ticket's thread from someone other than its requester (channels only).

    Someone `known` on the thread (copied on it, or whose replies were accepted before) replies in
    public like the requester; a stranger's message is kept as an internal note marked as from an
    unknown sender, for an agent to judge. The portal and the bot use comment(), which admits only
    the ticket's own requester. The channel always has a body (it says "attachments only" itself).
    """
    ticket = get(session, None, ticket_id, for_update=True)
    body = limits.check((body or "").replace("\x00", ""), "text", "body")
    return _add_comment(session, ticket, author, body, public=known, channel=channel,
                        external_id=external_id, body_html=body_html, at=at, unknown_sender=not known)


def _add_comment(session: Session, ticket: Ticket, actor: Actor, body: str, *, public: bool, channel: str,
                 external_id: str | None, body_html: str | None, system: bool = False, at: datetime | None = None,
                 unknown_sender: bool | None = None) -> Comment:
    """Write the comment, its event and the reply to deliver; the ticket is locked by the caller."""
    when = at or now()
    item = Comment(ticket_id=ticket.id, body=body, body_html=limits.html(body_html), is_public=public, is_system=system,
                   channel=channel, external_id=external_id, created_at=when,
                   from_unknown_sender=bool(unknown_sender),
                   author_user_id=actor.id if isinstance(actor, User) else None,
                   author_requester_id=actor.id if isinstance(actor, Requester) else None)
    session.add(item)
    session.flush()
    if public and isinstance(actor, User) and not system and ticket.first_response_at is None:
        ticket.first_response_at = when
    ticket.updated_at = when
    data = {"comment_id": item.id, "system": system}
    if unknown_sender is not None:
        data["unknown_sender"] = unknown_sender
    record(session, ticket, "comment", actor, at=when, to_value="public" if public else "internal", data=data)
    if public and (isinstance(actor, User) or system):
        outbox.queue_reply(session, ticket, item)
    bump_revision(session, ticket.board_id, ticket.column_id)
    hooks.fire(session, "commented", ticket, actor, comment=item)
    return item


__all__ = ["get", "get_by_number", "create", "move", "lock_placement", "assign", "set_priority", "set_blocked",
           "comment", "comment_from_thread", "actor_name", "now"]
