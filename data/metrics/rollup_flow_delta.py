"""Flow efficiency's and the SLEs' rollup tables (data/metrics/rollup_flow.py) brought up to date ticket by
ticket, in time proportional to what changed — as data/metrics/rollup_delta.py does for analytics_daily.

A ticket's rows in analytics_flow and analytics_sle are a function of its attributes and its own events (placing,
blocked, unblocked) only: per resolution, the cycle's active / queued / blocked seconds and the age at which it
left each column. So after rollup_delta.refresh has put the changed tickets' states as last counted and as they
are now into scratch tables (okno_old_tickets, okno_new_tickets, okno_events), the same statements that build
the tables run over each state, the old rows are subtracted from the new, and the difference is added in place
(rollup_tables.add: the tables are unique per key, NULLs equal; rows that fall to zero are removed). The coarse
tables take the same difference summed over their fewer dimensions. A reopen, a block or a reassignment thus
costs its ticket's few rows, not a recomputation of every day it was ever resolved on. The result is the same,
row for row, as a full build (tests/test_metrics_rollup_delta.py).
"""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.config import get_config
from data.metrics import rollup_tables
from data.metrics.rollup_delta import _scratch
from data.metrics.rollup_flow import COARSE, DIMS, _statements
from data.tickets.status import placed

_SLE = "column_id, status, hours"
FLOW_KEY, SLE_KEY = f"day, {DIMS}", f"day, {DIMS}, {_SLE}"
FLOW_SUMS, SLE_SUMS = ("cycles", "skipped", "active_s", "queued_s", "blocked_s"), ("n",)
_STATES = ("old", "new")
_SCRATCH = [f"okno_{state}_{what}" for state in _STATES for what in ("flow_events", "flow", "sle")] + [
    "okno_flow_delta", "okno_sle_delta"]


def _events(state: str) -> str:
    """The events of a state that flow efficiency reads: placing and (un)blocking, up to the newest counted."""
    return f"""
        CREATE TEMPORARY TABLE okno_{state}_flow_events ON COMMIT DROP AS
        SELECT e.* FROM okno_events e JOIN okno_{state}_tickets t ON t.id = e.ticket_id
        WHERE e.id <= t.last_event_id AND ({placed('e')} OR e.kind IN ('blocked', 'unblocked'))"""


def _delta(name: str, keys: str, sums: tuple[str, ...]) -> str:
    """The change per key of `name` (flow, sle): the new states' rows minus the old states', no-change left out."""
    return f"""
        CREATE TEMPORARY TABLE okno_{name}_delta ON COMMIT DROP AS
        SELECT * FROM (
            SELECT {keys}, {", ".join(f"sum(x.g * x.{v}) AS {v}" for v in sums)}
            FROM (SELECT 1 AS g, * FROM okno_new_{name} UNION ALL SELECT -1, * FROM okno_old_{name}) AS x
            GROUP BY {keys}) AS d
        WHERE NOT ({rollup_tables.empty(sums, {}, "d.")})"""


def _summed(keys: str, sums: tuple[str, ...], source: str) -> str:
    return f"SELECT {keys}, {', '.join(f'sum({v}) AS {v}' for v in sums)} FROM {source} GROUP BY {keys}"


def refresh(session: Session) -> None:
    """Add the changed tickets' difference to the four tables. Needs rollup_delta.refresh's scratch tables of
    the same transaction (run right after it, when it redid any ticket)."""
    session.execute(text(f"DROP TABLE IF EXISTS {', '.join(_SCRATCH)}"))
    params = {"tz": get_config().timezone}
    for state in _STATES:
        session.execute(text(_events(state)))
        session.execute(text(f"ANALYZE okno_{state}_flow_events"))
        _scratch(session, f"okno_{state}_flow", "analytics_flow")
        _scratch(session, f"okno_{state}_sle", "analytics_sle")
        for sql in _statements(tickets=f"okno_{state}_tickets", events=f"okno_{state}_flow_events",
                               into=(f"okno_{state}_flow", f"okno_{state}_sle")):
            session.execute(text(sql), params)
    session.execute(text(_delta("flow", FLOW_KEY, FLOW_SUMS)))
    session.execute(text(_delta("sle", SLE_KEY, SLE_SUMS)))
    rollup_tables.add(session, "analytics_flow", FLOW_KEY, FLOW_SUMS, "SELECT * FROM okno_flow_delta")
    rollup_tables.add(session, "analytics_sle", SLE_KEY, SLE_SUMS, "SELECT * FROM okno_sle_delta")
    rollup_tables.add(session, "analytics_flow_coarse", f"day, {COARSE}", FLOW_SUMS,
                      _summed(f"day, {COARSE}", FLOW_SUMS, "okno_flow_delta"))
    month_key = f"month, {COARSE}, {_SLE}"
    rollup_tables.add(session, "analytics_sle_month", month_key, SLE_SUMS, _summed(
        month_key, SLE_SUMS, f"(SELECT date_trunc('month', day)::date AS month, * FROM okno_sle_delta) AS m"))
