"""SLA of tickets: recompute on every change (a hook), backfill all tickets, and the card page summary.

The maths lives in data/sla/clock.py (pure) on calendars from data/sla/calendars.py; policies are
matched in data/sla/policies.py; loading and storing in data/sla/store.py. Results are kept per
target and cycle in ticket_sla, and the ticket's own SLA columns (read by the board through
data/sla/signal.py) are kept current in the same transaction as the change.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from data import hooks
from data.sla import policies as sla_policies
from data.sla import store as sla_store
from data.models import Ticket
from data.sla.signal import signal as signal_of

_COLUMNS = {"policy_id": "sla_policy_id", "fr_due": "first_response_due_at", "res_due": "resolution_due_at",
            "fr_breached": "sla_first_response_breached", "res_breached": "sla_resolution_breached",
            "due": "sla_due_at", "risk": "sla_at_risk_at"}


def _utc(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, timezone.utc) if ts is not None else None


def recompute_ticket(session: Session, ticket: Ticket | int, now: datetime | None = None) -> None:
    """Recompute one ticket's SLA from its history and refresh the loaded Ticket object in place."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    policies = sla_policies.for_session(session)
    if not policies.policies and isinstance(ticket, Ticket) and ticket.sla_policy_id is None:
        return  # no SLA configured and none recorded on this ticket: nothing to write
    values = sla_store.recompute(session, [ticket_id], policies, now).get(ticket_id)
    obj = ticket if isinstance(ticket, Ticket) else session.identity_map.get(session.identity_key(Ticket, ticket_id))
    if obj is not None and values is not None:
        refresh(obj, values)


def refresh(ticket: Ticket, values: dict) -> None:
    """A loaded ticket's SLA columns from store.recompute()'s values for it. The columns are derived, not
    edited: the object is updated without being marked dirty or having its version bumped."""
    for key, column in _COLUMNS.items():
        value = values[key]
        set_committed_value(ticket, column, _utc(value) if key in ("fr_due", "res_due", "due", "risk") else value)


@hooks.on("*")
def _on_ticket_change(session: Session, trigger: str, ticket: Ticket, actor, **context) -> None:
    # The scheduler runs rules "as of" its tick time; changes they make are judged at that time too.
    recompute_ticket(session, ticket, session.info.get("okno_now"))


def recompute_all(session: Session, ticket_ids: list[int]) -> None:
    """Recompute the given tickets now (e.g. after a policy or calendar was edited)."""
    policies = sla_policies.load(session)
    for i in range(0, len(ticket_ids), 2000):
        sla_store.recompute(session, ticket_ids[i:i + 2000], policies)


def recompute_open_tickets(session: Session) -> None:
    """After a calendar, a policy or the production calendar changed: every open ticket's clocks again."""
    ids = list(session.scalars(text("SELECT id FROM tickets WHERE status <> 'done' ORDER BY id")))
    recompute_all(session, ids)


def backfill(session_factory, batch: int = 5000, progress=None) -> dict:
    """Recompute every ticket in id order (data/sla/backfill.py); returns counts and tickets/s."""
    from data.sla.backfill import backfill as run
    return run(session_factory, batch, progress)


def ticket_sla_summary(session: Session, ticket_id: int, now: datetime | None = None) -> list[dict]:
    """Each SLA target of a ticket as of `now`, oldest first, for the card page's countdown. Reads only.

    Keys: target (first_response | next_response | resolution), cycle, policy (name), started_at,
    stopped_at, due_at (None while paused or met), at_risk_at, target_seconds, elapsed_seconds and
    paused_seconds (business time up to now), state (running | paused | met | breached), breached,
    signal (ok | at_risk | breached while the clock runs, else None) and remaining_seconds
    (wall-clock seconds to due while running; negative when overdue).
    """
    now = now or datetime.now(timezone.utc)
    policy, clocks = sla_store.evaluate(session, [ticket_id], sla_policies.for_session(session), now) \
        .get(ticket_id, (None, []))
    result = []
    for c in clocks:
        due, risk = _utc(c.due_at), _utc(c.at_risk_at)
        running = c.stopped_at is None and c.state in ("running", "breached") and due is not None
        signal = None if not running else signal_of(due_at=due, at_risk_at=risk, breached=False, now=now)
        result.append({"target": c.target, "cycle": c.cycle, "policy": policy.name if policy else None,
                       "started_at": _utc(c.started_at), "stopped_at": _utc(c.stopped_at), "due_at": due,
                       "at_risk_at": risk, "target_seconds": c.target_seconds, "elapsed_seconds": c.elapsed,
                       "paused_seconds": c.paused, "state": c.state, "breached": c.breached, "signal": signal,
                       "remaining_seconds": (due - now).total_seconds() if running else None})
    return result
