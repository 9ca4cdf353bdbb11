"""What the channels share when they write a batch's new requests together (ingest/email/new_tickets.py,
ingest/telegram/together_requests.py): where the service places every new card, when that is fixed, and
the service's auto-replies for the whole batch — what submit() does one request at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data import limits
from data.intake import routing
from data.intake.submit import _Blank
from data.messaging import outbox
from data.models import BoardColumn, ColumnFanout, Comment, Lane, Outbox, RequesterIdentity, Service, TicketEvent


@dataclass
class Placement:
    service: Service
    column: BoardColumn
    lane_id: int | None
    team_id: int | None
    priority_id: int | None
    card_type: str | None


def placement(session: Session, service: Service | None) -> Placement | None:
    """Where every new request of the batch lands, when that is the same for all of them (else None: a
    service with allowed domains, routing that assigns, an agent's lane or column fan-out decide per request)."""
    if service is None or service.board_id is None or not service.is_active or service.allowed_domains:
        return None
    route = routing.route(session, service, None, {})  # no request type: fixed placement, nobody assigned
    if route.assignee_id is not None or route.board_id is None:
        return None
    column = session.get(BoardColumn, route.column_id) if route.column_id else session.scalar(
        select(BoardColumn).where(BoardColumn.board_id == route.board_id).order_by(BoardColumn.position).limit(1))
    if column is None or column.board_id != route.board_id:
        return None
    lane = session.get(Lane, route.lane_id) if route.lane_id else None
    if lane is not None and (lane.board_id != route.board_id or lane.user_id):
        return None
    if session.scalar(select(ColumnFanout.id).where(ColumnFanout.column_id == column.id)) is not None:
        return None
    return Placement(service, column, lane.id if lane else None, route.team_id, route.priority_id, route.card_type)


@dataclass
class NewRequest:
    """A request of the batch, as its auto-reply needs it."""
    ticket_id: int
    number: int
    title: str
    when: datetime
    requester_id: int
    requester_name: str  # as it was when the message came (the template may name them)
    quiet: bool = False  # the message asked for no automatic answer (an email loop): the comment stays, nothing is sent


def auto_replies(session: Session, service: Service, channel: str, news: list[NewRequest]) -> None:
    """submit._auto_reply() for each request: the system comment, its event, the reply queued where
    outbox.requester_address() says (`channel`'s address first), or none; one multi-row INSERT each."""
    template = (service.auto_reply_template or "").strip()
    if not template or not news:
        return
    reachable: dict[int, list[tuple[str, str]]] = {}
    for requester_id, kind, address in session.execute(
            select(RequesterIdentity.requester_id, RequesterIdentity.channel, RequesterIdentity.address)
            .where(RequesterIdentity.requester_id.in_({n.requester_id for n in news}),
                   RequesterIdentity.unreachable_at.is_(None)).order_by(RequesterIdentity.id)):
        reachable.setdefault(requester_id, []).append((kind, address))
    bodies, targets, comments = [], [], []
    for n in news:
        body = limits.check(template.format_map(_Blank(number=n.number, title=n.title, requester=n.requester_name,
                                                        service=service.name)).replace("\x00", "").strip(),
                            "text", "body")
        target = outbox.pick_address(channel, reachable.get(n.requester_id, []))
        target = target if not n.quiet else None
        bodies.append(body)
        targets.append(target)
        comments.append({"ticket_id": n.ticket_id, "body": body, "body_html": None, "is_public": True,
                         "is_system": True, "channel": "agent", "external_id": None, "created_at": n.when,
                         "from_unknown_sender": False, "author_user_id": None, "author_requester_id": None,
                         "delivery_state": "queued" if target else "none"})
    comment_ids = session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), comments).all()
    session.execute(insert(TicketEvent), [
        {"ticket_id": n.ticket_id, "kind": "comment", "actor_user_id": None, "actor_requester_id": None,
         "at": n.when, "to_value": "public", "data": {"comment_id": comment_id, "system": True}}
        for n, comment_id in zip(news, comment_ids)])
    queued = [{"channel": target[0], "kind": "auto_reply", "recipient": target[1], "body": body,
               "subject": f"{outbox.token(n.number)} {n.title}", "ticket_id": n.ticket_id, "comment_id": comment_id,
               "payload": {"auto_submitted": True}}
              for n, body, target, comment_id in zip(news, bodies, targets, comment_ids) if target]
    if queued:
        session.execute(insert(Outbox), queued)
