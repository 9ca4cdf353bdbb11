"""Integration tokens for the web-form API: created and revoked by admins, checked on every API call.

Only a SHA-256 of the secret is stored (data/identity/bearer.py); the secret is shown once. A token may be limited to one
service. Requests created with a token remember it (the `created` event's data), and a token can read
back only the requests it created.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import audit
from data import permissions
from data.errors import NotFound, Text, ValidationError
from data.identity import bearer
from data.models import BoardColumn, IntegrationToken, Service, Ticket, TicketEvent, User

KIND = "okno_"  # integration secrets start with this (personal tokens with data.identity.tokens.KIND)


def create_token(session: Session, actor: User | str, name: str, service_id: int | None = None
                 ) -> tuple[IntegrationToken, str]:
    """A new token; returns (row, secret). The secret is not stored and cannot be shown again.

    `actor`: an admin, or a label for the command line (`python -m data create-integration-token`), whose
    operator already holds the database's credentials; the audit log names either."""
    if not isinstance(actor, str):
        permissions.require_role(actor, ("admin",), "errors.action.manage_integrations")
    name = (name or "").strip()
    if not name:
        raise ValidationError("errors.integration_name", {"name": Text("errors.field.required")})
    if service_id and session.get(Service, service_id) is None:
        raise ValidationError("errors.no_such_service", {"service": Text("errors.field.invalid")})
    secret, token_hash, prefix = bearer.new_secret(KIND)
    row = IntegrationToken(name=name[:200], token_hash=token_hash, prefix=prefix,
                           service_id=service_id or None, created_by_id=None if isinstance(actor, str) else actor.id)
    session.add(row)
    session.flush()
    audit.saved(session, actor, "integration_token", row, None)
    return row, secret


def revoke(session: Session, actor: User, token_id: int) -> None:
    permissions.require_role(actor, ("admin",), "errors.action.manage_integrations")
    row = session.get(IntegrationToken, token_id)
    if row is None:
        raise NotFound("errors.no_such_token")
    before = audit.snapshot(row)
    row.revoked_at = row.revoked_at or datetime.now(timezone.utc)
    session.flush()
    if before != audit.snapshot(row):
        audit.record(session, actor, "integration_token.revoke", row, before=before, after=audit.snapshot(row))


def tokens(session: Session, actor: User) -> list[IntegrationToken]:
    permissions.require_role(actor, ("admin",), "errors.action.manage_integrations")
    return list(session.scalars(select(IntegrationToken).order_by(IntegrationToken.id.desc())))


def authenticate(session: Session, secret: str | None) -> IntegrationToken | None:
    """The live token for this secret, or None; marks it used."""
    if not bearer.well_formed(secret, KIND):
        return None
    row = session.scalar(select(IntegrationToken).where(IntegrationToken.token_hash == bearer.digest(secret),
                                                        IntegrationToken.revoked_at.is_(None)))
    if row is not None:
        row.last_used_at = datetime.now(timezone.utc)
    return row


def remember(session: Session, token_id: int, ticket: Ticket) -> None:
    """Mark the ticket as created by this integration (on its `created` event)."""
    session.flush()  # the `created` event is written
    event = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "created"))
    event.data = dict(event.data or {}, integration_id=token_id)


def created_by(session: Session, token_id: int, number: int) -> Ticket:
    """A ticket this integration created; NotFound for any other (it doesn't reveal that one exists)."""
    ticket = session.scalar(select(Ticket).join(TicketEvent, TicketEvent.ticket_id == Ticket.id).where(
        Ticket.number == number, TicketEvent.kind == "created",
        TicketEvent.data["integration_id"].as_integer() == token_id))
    if ticket is None:
        raise NotFound("errors.request_not_found", number=number)
    return ticket


def request_status(session: Session, ticket: Ticket) -> dict:
    """What the API tells an integration about its request: the requester's wording of the column."""
    column = session.get(BoardColumn, ticket.column_id)
    return {"number": ticket.number, "title": ticket.title, "status": ticket.status,
            "requester_status": (column.requester_status or column.name) if column else None,
            "created_at": ticket.created_at.isoformat(), "updated_at": ticket.updated_at.isoformat(),
            "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None}
