"""The SLA signal a card shows, from the columns data/sla/recompute.py keeps current on the ticket."""
from __future__ import annotations

from datetime import datetime

OK, AT_RISK, BREACHED = "ok", "at_risk", "breached"


def signal(*, due_at: datetime | None, at_risk_at: datetime | None, breached: bool | None,
           now: datetime) -> str | None:
    """ok / at_risk / breached, or None when no SLA applies to the ticket."""
    if breached:
        return BREACHED
    if due_at is None:
        return None
    if now >= due_at:
        return BREACHED
    if at_risk_at is not None and now >= at_risk_at:
        return AT_RISK
    return OK
