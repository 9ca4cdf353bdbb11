"""How fresh the analytics are: when the rollup was last brought up to date, or None while pages compute live.

The job worker (`python -m ingest worker`, started by `make run`) refreshes the rollup once a minute
(data/jobs.py, `analytics_rollup`), so the time shown is at most about a minute old while a worker
runs — and visibly older when none does, which is the truth the page should tell.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from data.metrics import rollup


def describe(session: Session) -> datetime | None:
    """The time of the last rollup refresh, as recorded by the refresh itself; None when there is no rollup."""
    return rollup.refreshed_at(session)
