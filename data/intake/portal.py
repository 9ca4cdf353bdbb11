"""What a requester sees in the portal: their requests from every channel, one request with its public
conversation and child-card roll-up, replies. Every function takes the requester and checks ownership
(through tickets.get), so a forged number shows nothing."""
from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from data.intake import answers
from data.tickets import attachments as files
from data.tickets import children
from data.tickets import actions as tickets
from data.i18n import translate
from data.models import ApprovalFlow, Attachment, BoardColumn, Comment, RequestType, Requester, Service, Ticket, User

LIMIT = 200


def services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.is_active, Service.board_id.is_not(None))
                                .order_by(Service.position, Service.name)))


def request_types(session: Session, service_id: int) -> list[RequestType]:
    return list(session.scalars(select(RequestType).where(RequestType.service_id == service_id, RequestType.is_active)
                                .order_by(RequestType.position, RequestType.name)))


def _id(value) -> int | None:
    """An id as the browser sent it (a number or digits); anything else is no id."""
    return int(value) if isinstance(value, int) or str(value or "").isdigit() else None


def service(session: Session, service_id) -> Service | None:
    """The service a requester chose, if it is open for requests (None for an unknown or switched-off one)."""
    found = session.get(Service, _id(service_id)) if _id(service_id) else None
    return found if found is not None and found.is_active else None


def request_type(session: Session, service_id, type_id) -> RequestType | None:
    """The request type a requester chose, if it is an active type of that service (else None)."""
    rt = session.get(RequestType, _id(type_id)) if _id(type_id) else None
    return rt if rt is not None and rt.service_id == _id(service_id) and rt.is_active else None


def outcome(column: BoardColumn | None, status: str, approval: str | None = None) -> str:
    """"declined" for a finished request that was turned down (a done column whose outcome is 'declined',
    or a rejected approval), "done" for one finished as asked, else "open": the portal colours them apart."""
    if status != "done":
        return "open"
    declined = approval == "rejected" or (column is not None and column.outcome == "declined")
    return "declined" if declined else "done"


def status_label(column: BoardColumn | None, status: str, locale: str | None, approval: str | None = None) -> str:
    """"Waiting for approval" while it does (data/approvals), else the column's requester-facing status, else
    a plain word for its kind; a declined request says so even when it sits in the ordinary done column."""
    if approval == "pending":
        return translate("approvals.state.pending", locale)
    own = column.requester_status if column is not None else None
    if outcome(column, status, approval) == "declined" and not (own and column.outcome == "declined"):
        return translate("portal.status.declined", locale)
    if own:
        return own
    return translate(f"status.{status}", locale)


# The portal's status filter: what is still being worked on, and what is finished.
STATUS_FILTERS = ("open", "done")


def _mine(requester: Requester, status: str | None):
    """The conditions of "my requests": the requester's own tickets from every channel, without the child
    cards of their own requests (those show as the parent's progress), optionally open or done only."""
    parent = aliased(Ticket)
    own_child = exists().where(parent.id == Ticket.parent_id, parent.requester_id == requester.id)
    conds = [Ticket.requester_id == requester.id, ~own_child]
    if status == "open":
        conds.append(Ticket.status != "done")
    elif status == "done":
        conds.append(Ticket.status == "done")
    return conds


def my_requests(session: Session, requester: Requester, locale: str | None = None, limit: int = LIMIT,
                offset: int = 0, status: str | None = None) -> list[dict]:
    """The requester's requests (all channels), newest first, as the portal and the bot list them; a page
    of them with `offset`, open or done ones only with `status` (STATUS_FILTERS)."""
    rows = session.execute(
        select(Ticket.number, Ticket.title, Ticket.status, Ticket.channel, Ticket.created_at, Ticket.updated_at,
               Service.name, RequestType.name, BoardColumn, ApprovalFlow.state)
        .join(BoardColumn, BoardColumn.id == Ticket.column_id)
        .outerjoin(ApprovalFlow, ApprovalFlow.ticket_id == Ticket.id)
        .outerjoin(Service, Service.id == Ticket.service_id)
        .outerjoin(RequestType, RequestType.id == Ticket.request_type_id)
        .where(*_mine(requester, status))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset(max(0, offset)).limit(limit)).all()
    return [{"number": n, "title": t, "status": s, "status_label": status_label(col, s, locale, ap),
             "outcome": outcome(col, s, ap), "channel": ch,
             "created_at": c, "updated_at": u, "service": sn or "", "type": tn or ""}
            for n, t, s, ch, c, u, sn, tn, col, ap in rows]


def count_requests(session: Session, requester: Requester, status: str | None = None) -> int:
    """How many requests `my_requests` would list without a limit (for the portal's pages)."""
    return session.scalar(select(func.count()).select_from(Ticket).where(*_mine(requester, status)))


def request_view(session: Session, requester: Requester, number: int, locale: str | None = None) -> dict:
    """One request for its requester: fields with labels, status, public conversation, files, roll-up."""
    ticket = tickets.get_by_number(session, requester, number)
    column = session.get(BoardColumn, ticket.column_id)
    rt = session.get(RequestType, ticket.request_type_id) if ticket.request_type_id else None
    service = session.get(Service, ticket.service_id) if ticket.service_id else None
    fields = [(a["label"], a["value"]) for a in answers.labelled(rt.field_schema if rt else [], ticket.fields, locale)]
    comments = session.execute(
        select(Comment, User.name).outerjoin(User, User.id == Comment.author_user_id)
        .where(Comment.ticket_id == ticket.id, Comment.is_public).order_by(Comment.created_at, Comment.id)).all()
    public_ids = [c.id for c, _n in comments]
    atts = session.execute(select(Attachment.id, Attachment.filename, Attachment.size, Attachment.comment_id)
                           .where(Attachment.ticket_id == ticket.id,
                                  or_(Attachment.comment_id.is_(None), Attachment.comment_id.in_(public_ids or [0])))
                           .order_by(Attachment.id)).all()
    by_comment: dict = {}
    for a in atts:
        by_comment.setdefault(a.comment_id, []).append({"id": a.id, "filename": a.filename, "size": a.size})
    conversation = [{"id": c.id, "body": c.body, "at": c.created_at, "mine": c.author_requester_id == requester.id,
                     "author": name if name else (requester.name if c.author_requester_id else "Okno"),
                     "system": c.is_system, "files": by_comment.get(c.id, [])} for c, name in comments]
    approval = session.get(ApprovalFlow, ticket.id)
    return {"id": ticket.id, "number": ticket.number, "title": ticket.title, "description": ticket.description,
            "status_label": status_label(column, ticket.status, locale, approval.state if approval else None),
            "status": ticket.status, "outcome": outcome(column, ticket.status, approval.state if approval else None),
            "service": service.name if service else "", "type": rt.name if rt else "",
            "channel": ticket.channel,
            "created_at": ticket.created_at, "fields": fields, "files": by_comment.get(None, []),
            "conversation": conversation, "rollup": children.rollup(session, ticket)}


def reply(session: Session, requester: Requester, number: int, body: str,
          attachments: list[dict] | None = None) -> Comment:
    """The requester's public reply from the portal, with files."""
    ticket = tickets.get_by_number(session, requester, number)
    checked = files.check(attachments or [])
    item = tickets.comment(session, requester, ticket.id, body, public=True, channel="portal")
    files.store(session, ticket, checked, item)
    return item
