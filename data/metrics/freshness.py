"""How fresh the analytics are: the moment the rollup's figures were taken, or None while a view is
computed live from the events (no rollup yet, or a filter the rollup can't answer).

The job worker (`python -m ingest worker`, started by `make run`) refreshes the rollup every 30 seconds
(data/jobs.py, `analytics_rollup`), and the pages re-read their figures when a refresh lands, so what
they show is at most about a minute old while a worker runs — and visibly older when none does, which
is the truth the page should tell.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from data.metrics import rollup
from data.metrics.filters import TicketFilter


def describe(session: Session, f: TicketFilter | None = None) -> datetime | None:
    """When the figures of the rollup were taken (the start of its last refresh: every event committed
    before then is in them); None when there is no rollup or `f` makes the pages compute live."""
    if f is not None and not rollup.usable(session, f):
        return None
    return rollup.refreshed_at(session)
