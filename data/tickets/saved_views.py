"""Saved views: the ticket list's (or a board's) filters under a name, private or shared with a team.

A person sees their own views and the views shared with their teams (their own team and the teams they
lead). They may share a view with one of those teams only. They delete their own views; the lead of a
team (its lead, a manager of it) and admins also delete the views shared with that team — deleting
someone else's view is written to the audit log.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from data import audit, permissions
from data.errors import NotFound, PermissionDenied, Text, ValidationError
from data.models import SavedView, Team, User, VIEW_PAGES
from data.tickets.filters import parse as parse_filter

MAX_NAME = 120


def visible(session: Session, actor: User, page: str = "tickets") -> list[SavedView]:
    """The views `actor` may pick on `page`: their own, then those shared with their teams, by name."""
    permissions.require_reader(actor)
    teams = list(permissions.team_ids(session, actor))
    stmt = (select(SavedView).where(SavedView.page == page,
                                    or_(SavedView.user_id == actor.id, SavedView.team_id.in_(teams)))
            .order_by((SavedView.user_id != actor.id), SavedView.name, SavedView.id))
    return list(session.scalars(stmt))


def get(session: Session, actor: User, view_id) -> SavedView:
    """A view `actor` may see (NotFound otherwise: someone else's private view does not exist for them)."""
    permissions.require_reader(actor)
    try:
        row = session.get(SavedView, int(view_id))
    except (TypeError, ValueError):
        row = None
    if row is None or not (row.user_id == actor.id or row.team_id in permissions.team_ids(session, actor)):
        raise NotFound("errors.no_such_view")
    return row


def save(session: Session, actor: User, *, name: str, query: dict, team_id: int | None = None,
         page: str = "tickets") -> SavedView:
    """Save (or overwrite, by name) the filters in `query` for `actor`; with `team_id`, shared with that team."""
    permissions.require_reader(actor)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("errors.view_name", {"name": Text("errors.field.required")})
    if len(name) > MAX_NAME:
        raise ValidationError("errors.name_too_long", {"name": Text("errors.field.too_long")}, limit=MAX_NAME)
    if page not in VIEW_PAGES:
        raise ValidationError("errors.bulk_bad_value", {"page": Text("errors.field.invalid")})
    if team_id is not None and int(team_id) not in permissions.team_ids(session, actor):
        raise PermissionDenied("errors.view_share_other_team")
    f, _problems = parse_filter(query or {})
    values = {"filter": f.to_query(), "team_id": int(team_id) if team_id is not None else None}
    # An upsert on the unique (user, page, name): saving under the same name updates the view.
    row_id = session.scalar(pg_insert(SavedView).values(user_id=actor.id, page=page, name=name, **values)
                            .on_conflict_do_update(index_elements=["user_id", "page", "name"], set_=values)
                            .returning(SavedView.id))
    return session.scalar(select(SavedView).where(SavedView.id == row_id).execution_options(populate_existing=True))


def may_delete(session: Session, actor: User, row: SavedView) -> bool:
    if row.user_id == actor.id:
        return True
    if row.team_id is None:
        return False
    if actor.role == "admin":
        return True
    led = session.scalar(select(Team.lead_id).where(Team.id == row.team_id)) == actor.id
    return led or (actor.role == "manager" and row.team_id in permissions.team_ids(session, actor))


def delete(session: Session, actor: User, view_id) -> None:
    """Delete a view: its owner, or a lead of the team it is shared with, or an admin."""
    row = get(session, actor, view_id) if actor.role != "admin" else _any(session, view_id)
    if not may_delete(session, actor, row):
        raise PermissionDenied("errors.view_not_yours")
    if row.user_id != actor.id:
        audit.delete(session, actor, "saved_view", SavedView, row.id)
        return
    session.delete(row)
    session.flush()


def _any(session: Session, view_id) -> SavedView:
    try:
        row = session.get(SavedView, int(view_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound("errors.no_such_view")
    return row


def share_teams(session: Session, actor: User) -> list[tuple[int, str]]:
    """(id, name) of the teams `actor` may share a view with: their own team and the teams they lead."""
    teams = permissions.team_ids(session, actor)
    return [(i, n) for i, n in session.execute(select(Team.id, Team.name).where(Team.id.in_(teams)).order_by(Team.name))]
