"""How fresh the analytics are: the rollup's refresh time, or None while pages compute live."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from data.metrics import rollup


def describe(session: Session) -> datetime | None:
    """The time of the last rollup refresh (refreshing it first when stale); None when there is no rollup."""
    return rollup.refresh_if_stale(session)
