"""Admins manage teams: name, support line, lead and members (a user belongs to one team: users.team_id).

Audited as `team.create` / `team.update` / `team.delete`, and `team.members` with the member ids before and
after. A team that still owns boards can't be deleted: its boards would become shared with everyone.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data import audit, permissions
from data.db import require_row
from data.errors import Text, ValidationError
from data.i18n import N_
from data.models import Board, Team, User

ACTION = N_("errors.action.manage_teams")
LINE_LEVELS = (1, 2, 3)


def _admin(actor: User | None) -> User:
    return permissions.require_admin(actor, ACTION)


def teams(session: Session, actor: User) -> list[dict]:
    """Every team with its lead's name and its active members' names."""
    _admin(actor)
    lead = select(User.name).where(User.id == Team.lead_id).scalar_subquery()
    boards = select(func.count()).select_from(Board).where(Board.team_id == Team.id).scalar_subquery()
    rows = session.execute(select(Team, lead, boards)
                           .order_by(Team.line_level.nulls_last(), func.lower(Team.name))).all()
    members: dict[int, list[dict]] = {}
    for uid, name, team_id in session.execute(select(User.id, User.name, User.team_id)
                                              .where(User.team_id.is_not(None), User.is_active).order_by(User.name)):
        members.setdefault(team_id, []).append({"id": uid, "name": name})
    return [{"id": t.id, "name": t.name, "line_level": t.line_level, "lead_id": t.lead_id, "lead": lead_name,
             "members": members.get(t.id, []), "boards": n_boards} for t, lead_name, n_boards in rows]


def get(session: Session, actor: User, team_id: int) -> Team:
    _admin(actor)
    return require_row(session, Team, team_id, "errors.no_such_team")


def member_ids(session: Session, team_id: int) -> list[int]:
    return list(session.scalars(select(User.id).where(User.team_id == team_id).order_by(User.id)))


def save(session: Session, actor: User, team_id: int | None, *, name: str | None, line_level: int | None,
         lead_id: int | None, members: list[int] | None) -> Team:
    """Add (team_id None) or change a team. `members` is the whole new member list: users moved in leave
    their old team; users left out leave this one."""
    _admin(actor)
    name = " ".join((name or "").split())
    members = sorted({int(m) for m in members or []})
    problems: dict[str, Text] = {}
    if not name or len(name) > 120:
        problems["name"] = Text("errors.field.invalid") if name else Text("errors.field.required")
    elif session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower(), Team.id != (team_id or 0))):
        problems["name"] = Text("errors.field.taken")
    if line_level not in (None, *LINE_LEVELS):
        problems["line_level"] = Text("errors.field.invalid")
    lead = session.get(User, lead_id) if lead_id else None
    if lead_id and (lead is None or not lead.is_active):
        problems["lead"] = Text("errors.field.invalid")
    if members and session.scalar(select(func.count()).select_from(User).where(User.id.in_(members))) != len(members):
        problems["members"] = Text("errors.field.invalid")
    if problems:
        raise ValidationError("errors.team_invalid", problems)
    team = Team() if team_id is None else get(session, actor, team_id)
    before = audit.snapshot(team)
    team.name, team.line_level, team.lead_id = name, line_level, lead_id or None
    session.add(team)
    session.flush()
    audit.saved(session, actor, "team", team, before)
    old = member_ids(session, team.id)
    if old != members:
        session.execute(update(User).where(User.team_id == team.id, User.id.not_in(members or [0]))
                        .values(team_id=None).execution_options(synchronize_session="fetch"))
        if members:
            session.execute(update(User).where(User.id.in_(members)).values(team_id=team.id)
                            .execution_options(synchronize_session="fetch"))
        audit.record(session, actor, "team.members", team, before={"members": old}, after={"members": members})
    session.info.pop("okno_team_ids", None)  # the permission cache of this session
    return team


def delete(session: Session, actor: User, team_id: int) -> None:
    _admin(actor)
    team = get(session, actor, team_id)
    if session.scalar(select(Board.id).where(Board.team_id == team.id).limit(1)):
        raise ValidationError("errors.team_has_boards", name=team.name)
    audit.delete(session, actor, "team", Team, team.id)
    session.info.pop("okno_team_ids", None)
