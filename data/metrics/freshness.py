"""How fresh the analytics are: None while every figure is computed live from the tickets tables."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def describe(session: Session) -> datetime | None:
    """The time of the last rollup refresh when a page reads rollups; None when it reads live tables."""
    return None
