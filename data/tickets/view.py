"""Everything the card page shows, read in a few queries: fields, requester, conversation,
attachments, checklist, children and the history timeline. Reply templates are filled here too.
"""
from __future__ import annotations

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, aliased

from data import permissions
from data.tickets import checklists
from data.tickets import children
from data.tickets import actions as tickets
from data.models import Attachment, Board, BoardColumn, Comment, Lane, Priority, ReplyTemplate, Requester, RequesterIdentity, RequestType, Service, Ticket, TicketEvent, User


def header(session: Session, user: User, number: int) -> dict:
    """The ticket's fields with display names (raises NotFound / PermissionDenied)."""
    t = tickets.get_by_number(session, user, number)
    names = session.execute(
        select(Board.name, BoardColumn.name, Lane.name, Service.name, RequestType.name, User.name,
               Requester.name, Requester.email, Requester.organisation)
        .select_from(Ticket).join(Board, Board.id == Ticket.board_id)
        .join(BoardColumn, BoardColumn.id == Ticket.column_id)
        .outerjoin(Lane, Lane.id == Ticket.lane_id).outerjoin(Service, Service.id == Ticket.service_id)
        .outerjoin(RequestType, RequestType.id == Ticket.request_type_id)
        .outerjoin(User, User.id == Ticket.assignee_id).outerjoin(Requester, Requester.id == Ticket.requester_id)
        .where(Ticket.id == t.id)).one()
    parent = session.execute(select(Ticket.number, Ticket.title).where(Ticket.id == t.parent_id)).first() \
        if t.parent_id else None
    unreachable = session.execute(
        select(RequesterIdentity.channel, RequesterIdentity.address, RequesterIdentity.display,
               RequesterIdentity.unreachable_at, RequesterIdentity.unreachable_reason)
        .where(RequesterIdentity.requester_id == t.requester_id, RequesterIdentity.unreachable_at.is_not(None))
        .order_by(RequesterIdentity.id)).all() if t.requester_id else []
    return {"ticket": t, "board": names[0], "column": names[1], "lane": names[2], "service": names[3],
            "type": names[4], "assignee": names[5], "requester": names[6], "requester_email": names[7],
            "organisation": names[8], "parent": parent,
            "unreachable": [dict(r._mapping) for r in unreachable]}


def other_requests(session: Session, ticket: Ticket, limit: int = 10, viewer: User | None = None) -> list[dict]:
    """The requester's other tickets, within the viewer's read scope when a viewer is given."""
    if ticket.requester_id is None:
        return []
    scope = permissions.ticket_scope(session, viewer) if viewer is not None else true()
    rows = session.execute(select(Ticket.number, Ticket.title, Ticket.status, Ticket.created_at)
                           .where(Ticket.requester_id == ticket.requester_id, Ticket.id != ticket.id, scope)
                           .order_by(Ticket.created_at.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def conversation(session: Session, ticket_id: int, only: list[int] | None = None) -> list[dict]:
    """Comments oldest first, with the author's name, the delivery state of public replies and the files that
    came with each (`files`: id, filename, size). `only`: just these comments (the card adds a new reply)."""
    stmt = (select(Comment, User.name, Requester.name)
            .outerjoin(User, User.id == Comment.author_user_id)
            .outerjoin(Requester, Requester.id == Comment.author_requester_id)
            .where(Comment.ticket_id == ticket_id).order_by(Comment.created_at, Comment.id))
    if only is not None:
        stmt = stmt.where(Comment.id.in_(only))
    rows = session.execute(stmt).all()
    files: dict[int, list[dict]] = {}
    if rows:
        for a in session.execute(select(Attachment.id, Attachment.comment_id, Attachment.filename, Attachment.size)
                                 .where(Attachment.ticket_id == ticket_id,
                                        Attachment.comment_id.in_([c.id for c, _s, _r in rows]))
                                 .order_by(Attachment.id)):
            files.setdefault(a.comment_id, []).append({"id": a.id, "filename": a.filename, "size": a.size})
    return [{"id": c.id, "author": staff or requester or "Okno", "from_requester": requester is not None,
             "public": c.is_public, "system": c.is_system, "body": c.body, "body_html": c.body_html,
             "delivery": c.delivery_state, "error": c.delivery_error, "at": c.created_at, "channel": c.channel,
             "files": files.get(c.id, [])}
            for c, staff, requester in rows]


def attachments(session: Session, ticket_id: int) -> list[dict]:
    rows = session.execute(select(Attachment.id, Attachment.filename, Attachment.size, Attachment.content_type,
                                  Attachment.created_at).where(Attachment.ticket_id == ticket_id)
                           .order_by(Attachment.id))
    return [dict(r._mapping) for r in rows]


def history(session: Session, ticket_id: int) -> list[dict]:
    """The event table, newest first, with people and columns named."""
    from_col, to_col = aliased(BoardColumn), aliased(BoardColumn)
    from_user, to_user = aliased(User), aliased(User)
    rows = session.execute(
        select(TicketEvent, User.name, Requester.name, from_col.name, to_col.name, from_user.name, to_user.name)
        .outerjoin(User, User.id == TicketEvent.actor_user_id)
        .outerjoin(Requester, Requester.id == TicketEvent.actor_requester_id)
        .outerjoin(from_col, from_col.id == TicketEvent.from_column_id)
        .outerjoin(to_col, to_col.id == TicketEvent.to_column_id)
        .outerjoin(from_user, from_user.id == TicketEvent.from_user_id)
        .outerjoin(to_user, to_user.id == TicketEvent.to_user_id)
        .where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at.desc(), TicketEvent.id.desc()))
    return [{"kind": e.kind, "at": e.at, "actor": staff or requester or "Okno", "from_column": fc, "to_column": tc,
             "from_user": fu, "to_user": tu, "from_value": e.from_value, "to_value": e.to_value, "data": e.data,
             "from_status": e.from_status, "to_status": e.to_status}
            for e, staff, requester, fc, tc, fu, tu in rows]


def templates(session: Session, ticket: Ticket) -> list[ReplyTemplate]:
    """Templates for the ticket's service plus the general ones."""
    stmt = select(ReplyTemplate).where((ReplyTemplate.service_id.is_(None)) |
                                       (ReplyTemplate.service_id == ticket.service_id)).order_by(ReplyTemplate.name)
    return list(session.scalars(stmt))


def filled_template(session: Session, user: User, number: int, template_id: int) -> str | None:
    """A reply template's text for this ticket, placeholders replaced; None when there is no such template.
    Raises NotFound / PermissionDenied when the user may not see the ticket."""
    h = header(session, user, number)
    template = session.get(ReplyTemplate, template_id)
    if template is None:
        return None
    return fill_template(template.body, requester=h["requester"], number=number, agent=user.name)


def fill_template(body: str, *, requester: str | None, number: int, agent: str) -> str:
    """Replace {requester}, {number}, {agent}; other braces are left alone (no str.format surprises)."""
    return (body.replace("{requester}", requester or "").replace("{number}", str(number))
            .replace("{agent}", agent))


def counts(session: Session, ticket_id: int) -> dict:
    return {"checklist": checklists.progress(session, ticket_id), "children": children.progress(session, ticket_id),
            "comments": session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == ticket_id))}


def priorities(session: Session) -> list[Priority]:
    return list(session.scalars(select(Priority).order_by(Priority.rank)))
