"""A request type's approval steps: who approves each step and whether all of them or any one must.

    {"steps": [{"kind": "person", "ref": 12, "mode": "any"}, {"kind": "manager", "ref": null, "mode": "any"},
               {"kind": "role", "ref": "director", "mode": "all"}, {"kind": "group", "ref": 3, "mode": "any"}],
     "column_id": 41}   # optional: the waiting column the card sits in meanwhile

kind: person (a staff user by id), role (every active user with that role), manager (the requester's manager,
data/approvals/people.py), group (the members of a team). Steps run one after another.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data import audit
from data.errors import NotFound, Text, ValidationError
from data.models import ROLES, BoardColumn, RequestType, Team, User
from data.permissions import require_admin

STEP_KINDS = ("person", "role", "manager", "group")
MODES = ("all", "any")
MAX_STEPS = 10


def steps_of(request_type: RequestType | None) -> list[dict]:
    return list(((request_type.approval if request_type is not None else None) or {}).get("steps") or [])


def needs_approval(request_type: RequestType | None) -> bool:
    return bool(steps_of(request_type))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def clean(session: Session, raw: dict | None) -> dict:
    """The checked configuration, or ValidationError naming what is wrong ({} = no approval)."""
    raw = raw if isinstance(raw, dict) else {}
    steps = []
    for step in raw.get("steps") or []:
        kind, mode = (step or {}).get("kind"), (step or {}).get("mode") or "any"
        if kind not in STEP_KINDS or mode not in MODES:
            raise ValidationError("approvals.error.step", {"approval": Text("approvals.error.step")})
        ref = step.get("ref")
        if kind == "person":
            user = session.get(User, _int(ref) or 0)
            ok, ref = user is not None and user.is_active, _int(ref)
        elif kind == "group":
            ok, ref = session.get(Team, _int(ref) or 0) is not None, _int(ref)
        elif kind == "role":
            ok = ref in ROLES
        else:
            ok, ref = True, None
        if not ok:
            raise ValidationError("approvals.error.step", {"approval": Text("approvals.error.step")})
        steps.append({"kind": kind, "ref": ref, "mode": mode})
    if len(steps) > MAX_STEPS:
        raise ValidationError("approvals.error.step", {"approval": Text("approvals.error.step")})
    if not steps:
        return {}
    result = {"steps": steps}
    column_id = _int(raw.get("column_id"))
    if column_id:
        column = session.get(BoardColumn, column_id)
        if column is None or column.kind != "waiting":
            raise ValidationError("approvals.error.column", {"column_id": Text("approvals.error.column")})
        result["column_id"] = column_id
    return result


def save(session: Session, actor: User | None, request_type_id: int, raw: dict | None) -> RequestType:
    """An admin sets (or with no steps, removes) a request type's approval; audited."""
    require_admin(actor, "errors.action.configure_catalog")
    rt = session.get(RequestType, _int(request_type_id) or 0)
    if rt is None:
        raise NotFound("errors.no_such_request_type")
    before = audit.snapshot(rt)
    rt.approval = clean(session, raw)
    session.flush()
    audit.saved(session, actor, "request_type", rt, before)
    return rt


def choices(session: Session) -> dict:
    """What the step editor offers: active staff, teams, roles, and every board's waiting columns."""
    from sqlalchemy import select
    from data.models import Board
    people = [{"value": i, "label": n} for i, n in session.execute(
        select(User.id, User.name).where(User.is_active.is_(True)).order_by(User.name))]
    teams = [{"value": i, "label": n} for i, n in session.execute(select(Team.id, Team.name).order_by(Team.name))]
    columns = [{"value": i, "label": f"{b} · {n}"} for i, n, b in session.execute(
        select(BoardColumn.id, BoardColumn.name, Board.name).join(Board, Board.id == BoardColumn.board_id)
        .where(BoardColumn.kind == "waiting").order_by(Board.id, BoardColumn.position))]
    return {"people": people, "teams": teams, "roles": list(ROLES), "columns": columns}


def encode(step: dict) -> str:
    """A step's approver as one select value: manager, role:<role>, group:<team id>, person:<user id>."""
    return "manager" if step.get("kind") == "manager" else f"{step.get('kind')}:{step.get('ref')}"


def decode(value: str | None, mode: str | None) -> dict:
    kind, _sep, ref = (value or "").partition(":")
    return {"kind": kind, "ref": None if kind == "manager" else (ref if kind == "role" else _int(ref)),
            "mode": mode or "any"}
