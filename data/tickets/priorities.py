"""The ordered, coloured priority list (admin): add, rename, recolour, move up/down, delete."""
from __future__ import annotations

import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data import audit
from data.db import require_row
from data.permissions import require_admin
from data.errors import NotFound, Text, ValidationError
from data.models import Priority, User

# The list a new install starts with, most urgent first (the demo data uses the same codes).
DEFAULTS = [("urgent", "Срочно", "Urgent", "#dc3545"), ("high", "Высокий", "High", "#fd7e14"),
            ("normal", "Обычный", "Normal", "#0d6efd"), ("low", "Низкий", "Low", "#20c997"),
            ("can_wait", "Может подождать", "Can wait", "#6c757d")]
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _admin(actor: User | None) -> None:
    require_admin(actor, "errors.action.configure_priorities")


def ordered(session: Session) -> list[Priority]:
    return list(session.scalars(select(Priority).order_by(Priority.rank)))


def ensure_defaults(session: Session, actor: User | None) -> int:
    """Add the default priorities when the list is empty; returns how many were added."""
    _admin(actor)
    if session.scalar(select(func.count()).select_from(Priority)):
        return 0
    for rank, (code, ru, en, color) in enumerate(DEFAULTS, 1):
        session.add(Priority(code=code, name_ru=ru, name_en=en, rank=rank, color=color))
    session.flush()
    audit.record(session, actor, "priority.defaults", ("priorities", None, ""), after={"added": len(DEFAULTS)})
    return len(DEFAULTS)


def save(session: Session, actor: User | None, priority_id: int | None, *, name_ru: str, name_en: str,
         color: str, code: str | None = None) -> Priority:
    _admin(actor)
    name_ru, name_en, color = (name_ru or "").strip(), (name_en or "").strip(), (color or "").strip()
    errors = {}
    if not name_ru:
        errors["name_ru"] = Text("errors.field.required")
    if not name_en:
        errors["name_en"] = Text("errors.field.required")
    if not COLOR.match(color):
        errors["color"] = Text("errors.field.colour")
    if errors:
        raise ValidationError("errors.correct_priority", errors)
    if priority_id:
        p = session.get(Priority, priority_id)
        if p is None:
            raise NotFound("errors.priority_deleted")
    else:
        base = re.sub(r"[^a-z0-9]+", "_", (code or name_en).lower()).strip("_")[:24] or "priority"
        taken = set(session.scalars(select(Priority.code)))
        code, n = base, 1
        while code in taken:
            n += 1
            code = f"{base}_{n}"
        rank = (session.scalar(select(func.max(Priority.rank))) or 0) + 1
        p = Priority(code=code, rank=rank)
        session.add(p)
    before = audit.snapshot(p)
    p.name_ru, p.name_en, p.color = name_ru[:60], name_en[:60], color
    session.flush()
    audit.saved(session, actor, "priority", p, before)
    return p


def move(session: Session, actor: User | None, priority_id: int, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1). Ranks are unique, so swap through a free rank."""
    _admin(actor)
    items = ordered(session)
    index = next((i for i, p in enumerate(items) if p.id == priority_id), None)
    if index is None:
        raise NotFound("errors.priority_deleted")
    other = index + direction
    if not 0 <= other < len(items):
        return
    a, b = items[index], items[other]
    ra, rb = a.rank, b.rank
    session.execute(update(Priority).where(Priority.id == a.id).values(rank=-1))
    session.execute(update(Priority).where(Priority.id == b.id).values(rank=ra))
    session.execute(update(Priority).where(Priority.id == a.id).values(rank=rb))
    session.expire_all()
    audit.record(session, actor, "priority.move", a, before={"rank": ra}, after={"rank": rb})


def get(session: Session, actor: User | None, priority_id: int) -> Priority:
    """One priority, to edit it (admins only)."""
    _admin(actor)
    return require_row(session, Priority, priority_id, "errors.priority_deleted")


def delete(session: Session, actor: User | None, priority_id: int) -> None:
    """Tickets with this priority keep no priority (ON DELETE SET NULL)."""
    _admin(actor)
    audit.delete(session, actor, "priority", Priority, priority_id)
