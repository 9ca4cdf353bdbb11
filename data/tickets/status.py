"""A ticket's status over time, defined once: the order of statuses, entering one, resolution,
reopen, and which tickets are open at an instant.

A status is the kind of the column a ticket is in (data.models.COLUMN_KINDS). The service functions
(tickets.create/move, escalation) write a ticket's timestamps with `entering()`; the SLA clock, the
metrics and the daily rollup read the same rules back from the event history through the SQL
fragments below, so a chart, a list and a ticket's own columns always agree.
"""
from __future__ import annotations

from datetime import datetime

from data.models import COLUMN_KINDS, Ticket

STATUSES = COLUMN_KINDS  # queue → in progress → waiting → done: the order cards travel in
IN_PROGRESS, DONE = "in_progress", "done"
# Events that put a ticket into a column: its creation, a move, an escalation to another line's board.
# (A line lane's hand-over is also an `escalated` event, but it has no to_status: the column stays.)
PLACING_EVENTS = ("created", "moved", "escalated")


def resolves(from_status: str | None, to_status: str) -> bool:
    """Entering done from anything else (or being created there) resolves a ticket."""
    return to_status == DONE and from_status != DONE


def reopens(from_status: str | None, to_status: str) -> bool:
    """Leaving done for any other status reopens a ticket."""
    return from_status == DONE and to_status != DONE


def entering(to_status: str, *, from_status: str | None, column_changed: bool, started: bool,
             when: datetime) -> dict:
    """The ticket columns that change when it enters a column of kind `to_status` at `when`.

    `from_status` is None for a new ticket; `started` says whether it was ever in progress. The
    column time limit counts from the last column change, cycle time from the first entry into
    in-progress, resolution from the last entry into done.
    """
    values: dict = {}
    if column_changed:
        values["column_entered_at"] = when
    if to_status == IN_PROGRESS and not started:
        values["started_at"] = when
    if resolves(from_status, to_status):
        values["resolved_at"] = when
    if reopens(from_status, to_status):
        values["reopened_count"] = Ticket.reopened_count + 1
    return values


# ---- the same rules in SQL: `e` is a ticket_events alias, `t` a tickets alias ----

def placed(e: str = "e") -> str:
    """The event put the ticket into a column (with that column's kind as to_status)."""
    kinds = ", ".join(f"'{k}'" for k in PLACING_EVENTS)
    return f"{e}.kind IN ({kinds}) AND {e}.to_status IS NOT NULL"


def reopened(e: str = "e") -> str:
    """The event reopened the ticket (see reopens())."""
    return f"{placed(e)} AND {e}.from_status = '{DONE}' AND {e}.to_status <> '{DONE}'"


def done_before(at: str, t: str = "t") -> str:
    """Resolved before the instant `at` and still done (a reopened ticket is not resolved)."""
    return f"{t}.status = '{DONE}' AND {t}.resolved_at < {at}"


def done_since(at: str, t: str = "t") -> str:
    """Resolved at or after the instant `at` and still done."""
    return f"{t}.status = '{DONE}' AND {t}.resolved_at >= {at}"


def done_between(start: str = ":start", end: str = ":end", t: str = "t") -> str:
    """Resolved in [start, end) and still done."""
    return f"{done_since(start, t)} AND {t}.resolved_at < {end}"


def open_at(at: str = ":at", t: str = "t") -> str:
    """Open at the instant `at` by the event history: the last event before `at` that placed the ticket in a
    column put it in one that is not done (a ticket created later has no such event). Reopening or moving
    it afterwards doesn't change the answer for `at`.

    The history is read only for tickets that can have been open then: created before `at`, and open now or
    resolved (last entered done) since — anything else was done at `at` and still is. Those conditions come
    from indexes; without them a weekly summary read the history of a million resolved tickets (26 s)."""
    return (f"({t}.created_at < {at} AND ({t}.status <> '{DONE}' OR {t}.resolved_at >= {at})"
            f" AND coalesce((SELECT e.to_status FROM ticket_events e WHERE e.ticket_id = {t}.id AND {placed('e')}"
            f" AND e.at < {at} ORDER BY e.at DESC, e.id DESC LIMIT 1) <> '{DONE}', false))")
