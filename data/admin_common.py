"""Small pieces the admin service functions share: the role check and deleting a row by id."""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import permissions
from .models import User


def require_admin(actor: User | None, action: str) -> User:
    return permissions.require_role(actor, ("admin",), action)


def delete_row(session: Session, model, row_id: int) -> bool:
    """Delete one row if it still exists (deleting twice is not an error); True when it was there."""
    row = session.get(model, row_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
