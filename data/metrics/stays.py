"""Where each ticket was, and when it was blocked, rebuilt from the append-only ticket events — never
from the tickets' current columns — so a past period never changes because of what happened today.

The building blocks of flow efficiency, the WIP run chart, the throughput histogram, per-column
service-level expectations and blocked time. Each function returns SQL text for a CTE; `scope` is a
query of ticket ids (already narrowed by the analytics filter, e.g. data.metrics.sql.resolved_in). Events count up to `:end` only
(`end`: another bound, e.g. the rollup's): a stay whose next event comes after the period is still open at its end
(`until` is NULL). `events`: the relation the events are read from — ticket_events, or a scratch table shaped
like it holding a few tickets' events (a refresh of the rollup: data/metrics/rollup_flow_delta.py).
"""
from __future__ import annotations

from data.metrics.sql import hours
from data.tickets.status import DONE, IN_PROGRESS, done_before, placed


def resolving(e: str = "e") -> str:
    """The event resolved the ticket: it entered done from another status, or was created there
    (data.tickets.status.resolves). A ticket resolved twice has two such events and counts twice."""
    return f"{placed(e)} AND {e}.to_status = '{DONE}' AND {e}.from_status IS DISTINCT FROM '{DONE}'"


def present_in_range(w: str) -> str:
    """Ids of the tickets (filtered by `w`) that existed during [:start, :end) and were not done all along.

    `done_before` only prunes: a ticket done now whose last entry into done is before the period has
    been done for the whole period, whatever its earlier history."""
    return f"SELECT t.id FROM tickets t WHERE {w} AND t.created_at < :end AND NOT ({done_before(':start')})"


def _of(scope: str | None) -> str:
    """The events' condition for a `scope` of ticket ids; None: every ticket (a build of the whole history reads
    the events in one pass instead of looking up each ticket's)."""
    return "" if scope is None else f"e.ticket_id IN ({scope}) AND "


def stays(scope: str | None, end: str = ":end", events: str = "ticket_events") -> str:
    """One row per stay of a ticket in a column: ticket_id, column_id, status (the column's kind then),
    since, until (the next placing event; NULL = still there at :end), resolves (the stay began with a
    resolution) and cycle (how many resolutions came before the stay: a reopened ticket's second cycle
    is cycle 1)."""
    return f"""
        SELECT e.ticket_id, e.to_column_id AS column_id, e.to_status AS status, e.at AS since,
               lead(e.at) OVER w AS until, ({resolving('e')}) AS resolves,
               count(*) FILTER (WHERE {resolving('e')}) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                 AS cycle
        FROM {events} e
        WHERE {_of(scope)}{placed('e')} AND e.at < {end}
        WINDOW w AS (PARTITION BY e.ticket_id ORDER BY e.at, e.id)"""


def timeline(scope: str | None, end: str = ":end", events: str = "ticket_events") -> str:
    """One row per segment of a ticket's history between two consecutive events (placing, blocked or
    unblocked): ticket_id, since, until (NULL = to :end), status and blocked (the state during the segment),
    cycle (resolutions before it), resolves (it began with a resolution), started (the first entry into
    in-progress in its cycle) and done_at (its cycle's resolution). Window functions only, no joins:
    the state is carried forward with the running-count trick (PostgreSQL has no IGNORE NULLS)."""
    return f"""
        SELECT ticket_id, since, until, status, blocked, cycle, resolves,
               min(since) FILTER (WHERE status = 'in_progress') OVER c AS started,
               max(since) FILTER (WHERE resolves) OVER c AS done_at
        FROM (
          SELECT ticket_id, at AS since, until, cycle, resolves,
                 first_value(to_status) OVER (PARTITION BY ticket_id, placings ORDER BY at, id) AS status,
                 coalesce(first_value(kind) OVER (PARTITION BY ticket_id, blockings ORDER BY at, id) = 'blocked',
                          false) AS blocked
          FROM (
            SELECT ev.*, count(to_status) OVER w AS placings,
                   count(*) FILTER (WHERE kind IN ('blocked', 'unblocked')) OVER w AS blockings,
                   count(*) FILTER (WHERE resolves) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cycle,
                   lead(at) OVER w AS until
            FROM (SELECT e.ticket_id, e.id, e.at, e.kind, CASE WHEN {placed('e')} THEN e.to_status END AS to_status,
                         coalesce({resolving('e')}, false) AS resolves
                  FROM {events} e
                  WHERE {_of(scope)}({placed('e')} OR e.kind IN ('blocked', 'unblocked'))
                    AND e.at < {end}) ev
            WINDOW w AS (PARTITION BY ticket_id ORDER BY at, id)) counted) carried
        WINDOW c AS (PARTITION BY ticket_id, cycle)"""


def blocked_spans(scope: str | None = None) -> str:
    """One row per blocked event: ticket_id, reason (as typed), since, until (the next blocked or unblocked
    event of the ticket; NULL = still blocked at :end). Blocking again with a new reason ends the
    previous span and starts another. Without `scope`, of every ticket (the caller narrows them)."""
    narrowed = "" if scope is None else f"e.ticket_id IN ({scope}) AND "
    return f"""
        SELECT ticket_id, reason, since, until FROM (
          SELECT e.ticket_id, e.kind, e.to_value AS reason, e.at AS since,
                 lead(e.at) OVER (PARTITION BY e.ticket_id ORDER BY e.at, e.id) AS until
          FROM ticket_events e
          WHERE {narrowed}e.kind IN ('blocked', 'unblocked') AND e.at < :end) b
        WHERE kind = 'blocked'"""


def seconds(interval: str) -> str:
    return f"extract(epoch FROM {interval})"


def cycles(scope: str | None, lo: str = ":start", hi: str = ":end", segments: str | None = None,
           events: str = "ticket_events") -> str:
    """Per resolution in [lo, hi) of the tickets `scope` selects: ticket_id, done_at, skipped (its cycle never
    entered in-progress) and the active / queued / blocked-while-in-progress seconds of its cycle (numeric:
    sums of them are exact, so the rollup's daily sums add up to the same figures). `segments`: the rows of
    `timeline` already computed (a full build's: data/metrics/rollup_history.py)."""
    span = seconds("s.until - greatest(s.since, s.started)")
    return f"""
        SELECT s.ticket_id, s.done_at, s.started IS NULL AS skipped,
               coalesce(sum({span}) FILTER (WHERE s.status = '{IN_PROGRESS}' AND NOT s.blocked), 0) AS active,
               coalesce(sum({span}) FILTER (WHERE s.status NOT IN ('{IN_PROGRESS}', '{DONE}')), 0) AS queued,
               coalesce(sum({span}) FILTER (WHERE s.status = '{IN_PROGRESS}' AND s.blocked), 0) AS blocked
        FROM ({segments or timeline(scope, hi, events=events)}) s
        WHERE s.done_at >= {lo} AND s.done_at < {hi} AND (s.started IS NULL OR s.until > s.started)
        GROUP BY s.ticket_id, s.cycle, s.done_at, s.started"""


def timed_stays(scope: str | None, hi: str = ":end", events: str = "ticket_events") -> str:
    """`stays` with their cycle's begin_at (its first stay outside done), started (its first entry into
    in-progress) and done_at (its resolution)."""
    return f"""
        SELECT s.*, min(s.since) FILTER (WHERE s.status <> '{DONE}') OVER p AS begin_at,
               min(s.since) FILTER (WHERE s.status = '{IN_PROGRESS}') OVER p AS started,
               max(s.since) FILTER (WHERE s.resolves) OVER p AS done_at
        FROM ({stays(scope, hi, events=events)}) s
        WINDOW p AS (PARTITION BY s.ticket_id, s.cycle)"""


def left_ages(scope: str | None, lo: str = ":start", hi: str = ":end", timed: str | None = None,
              events: str = "ticket_events") -> str:
    """Per resolution in [lo, hi) of the tickets `scope` selects and per column its cycle passed through (done
    columns aside): ticket_id, done_at, column_id, status (the column's kind then) and hours — the age at which the
    ticket last left the column, on the aging chart's clock (since work started in the cycle, or since the cycle
    began while it had not started), whole hours, at least one (data/metrics/sle.py). `timed`: the rows of
    `timed_stays` already computed (a full build's: data/metrics/rollup_history.py)."""
    clock = "CASE WHEN l.started < l.left_at THEN l.started ELSE l.begin_at END"
    return f"""
        SELECT l.ticket_id, l.done_at, l.column_id, l.status, greatest({hours(clock, "l.left_at")}, 1) AS hours
        FROM (SELECT ticket_id, cycle, column_id, min(status) AS status, max(until) AS left_at,
                     min(begin_at) AS begin_at, min(started) AS started, min(done_at) AS done_at
              FROM ({timed or timed_stays(scope, hi, events=events)}) c
              WHERE done_at >= {lo} AND done_at < {hi} AND status <> '{DONE}' AND until <= done_at
              GROUP BY ticket_id, cycle, column_id) l"""
