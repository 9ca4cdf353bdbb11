"""A channel worker's batch: many messages in one transaction, with what stays the same read once.

    with batch.scope(session):
        for item in items:
            ...handle item (in its own savepoint)...
            batch.keep(session)

Inside: Config is read from the environment once (config.frozen), SLA policies are checked once
(sla.policies.for_session), active rules once per trigger (automation.rules), the block list once
(intake.blocklist), each board's revision is bumped once at the end (events.defer_revisions) and rows read stay in the session's identity map, which
otherwise holds them weakly: the service, board and columns of the tenth message are not read again.
The services write exactly what they write one message at a time (tests/email/test_batch.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from data import events
from data.config import frozen

FLAG, RULES, KEEP = "okno_batch", "okno_rules", "okno_batch_keep"
BLOCKLIST = "okno_blocklist"  # data/intake/blocklist.py


@contextmanager
def scope(session: Session) -> Iterator[None]:
    session.info[FLAG] = True
    session.info[KEEP] = {}
    events.defer_revisions(session)
    try:
        with frozen():
            yield
            events.flush_revisions(session)
    finally:
        for key in (FLAG, RULES, KEEP, BLOCKLIST, events.DEFERRED):
            session.info.pop(key, None)


def keep(session: Session, *objects) -> None:
    """Hold the rows the session has loaded (and `objects`) until the batch ends."""
    held = session.info.get(KEEP)
    if held is None:
        return
    for key, obj in session.identity_map.items():
        if key not in held:
            held[key] = obj
    for obj in objects:
        held[id(obj)] = obj
