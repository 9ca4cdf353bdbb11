"""The SLA of thousands of tickets at a time (the backfill, a policy or calendar edit, a big intake batch).

Per batch, reading: four queries return the tickets (with the SLA columns they hold), their status entries,
their comments and their stored clocks, each column as one binary array parsed by numpy (no Python object
per row; data/sla/pgbinary.py). data/sla/batch.py computes every clock. Writing (data/sla/bulk_write.py):
the computed clocks and columns are compared with the stored ones in numpy, and only the difference goes
to PostgreSQL — new clocks by one binary COPY straight into ticket_sla, changed clocks and ticket columns
through staging tables, stale cycles deleted by id. A range whose SLA is current writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from data.sla import batch
from data.sla import bulk_write
from data.sla.clock import STOPPED
from data.sla.pgbinary import NO_INSTANT, epoch_seconds, fetch_arrays
from data.sla.policies import PolicySet
from data.tickets import status as statuses

_KIND = f"""(CASE {{status}} WHEN '{STOPPED}' THEN {batch.STOP} WHEN '{batch.PAUSE_STATUS}' THEN {batch.PAUSE}
  ELSE {batch.RUN} END)::int2"""
_FLAG = "(CASE WHEN {0} IS NULL THEN -1 WHEN {0} THEN 1 ELSE 0 END)::int2"
# NULL instants read as 'infinity' (pgbinary.NO_INSTANT), NULL ids as 0, NULL flags as -1: fixed-width arrays.
_TICKETS = f"""SELECT t.id, t.created_at AS created, coalesce(t.service_id, 0)::int8 AS service,
  coalesce(t.request_type_id, 0)::int8 AS request_type, coalesce(t.priority_id, 0)::int8 AS priority,
  {_KIND.format(status="t.status")} AS kind, coalesce(t.resolved_at, 'infinity') AS resolved,
  coalesce(t.sla_policy_id, 0)::int8 AS policy_id, coalesce(t.first_response_due_at, 'infinity') AS fr_due,
  coalesce(t.resolution_due_at, 'infinity') AS res_due, {_FLAG.format("t.sla_first_response_breached")} AS fr_breached,
  {_FLAG.format("t.sla_resolution_breached")} AS res_breached, coalesce(t.sla_due_at, 'infinity') AS due,
  coalesce(t.sla_at_risk_at, 'infinity') AS risk
FROM tickets t WHERE {{scope}}"""
_TICKET_FIELDS = (("id", ">i8"), ("created", ">i8"), ("service", ">i8"), ("request_type", ">i8"), ("priority", ">i8"),
                  ("kind", ">i2"), ("resolved", ">i8"), ("policy_id", ">i8"), ("fr_due", ">i8"), ("res_due", ">i8"),
                  ("fr_breached", ">i2"), ("res_breached", ">i2"), ("due", ">i8"), ("risk", ">i8"))
# Read only when a policy names organisations (few tickets' requesters have one).
_ORGANISATIONS = """SELECT t.id, r.organisation FROM tickets t JOIN requesters r ON r.id = t.requester_id
WHERE {scope} AND r.organisation IS NOT NULL"""
# As store._STATUSES (which see for the order): the placing test stays out of the scan's WHERE (OFFSET 0 keeps it out), or the
# planner may AND in the (kind, at) index, which at millions of 'moved' events costs seconds per batch.
_STATUSES = """SELECT ticket_id, at, id, kind FROM (
  SELECT e.ticket_id, e.at, e.id, {placed} AS placed, {kind} AS kind
  FROM ticket_events e WHERE {scope} OFFSET 0) e
WHERE placed"""
# 1: a public reply by a staff user that is not an auto-reply; 2: a requester's message (as store._COMMENTS).
_COMMENTS = """SELECT ticket_id, created_at AS at,
       (CASE WHEN is_public AND author_user_id IS NOT NULL AND NOT is_system THEN 1 ELSE 0 END
        + CASE WHEN author_requester_id IS NOT NULL THEN 2 ELSE 0 END)::int2 AS flags
FROM comments c WHERE {scope}"""
# Instants are binary timestamptz (microseconds since 2000-01-01), turned into epoch seconds by numpy — the
# same float8 as extract(epoch …) gives; rows are sorted by numpy too. PostgreSQL spent more on the numeric
# extract() and the sort than on reading the rows.


class Scope:
    """Which tickets a batch is: an id range [lo, hi) (the backfill: one range scan per table, also over
    ticket_events' monthly partitions) or a list of ids."""

    def __init__(self, ids: list[int] | None = None, lo: int | None = None, hi: int | None = None):
        self.ids, self.lo, self.hi = ids, lo, hi

    def sql(self, column: str) -> str:
        if self.ids is None:
            return f"{column} >= {int(self.lo)} AND {column} < {int(self.hi)}"
        return f"{column} = ANY('{{{','.join(str(int(i)) for i in self.ids)}}}'::bigint[])"


@dataclass
class Result:
    """A batch's computed SLA, ready to write, and what its rows held when it was read."""
    scope: Scope
    ids: np.ndarray  # the tickets, ascending
    policy_ids: np.ndarray  # per ticket, 0 for none
    clocks: batch.Clocks
    columns: dict[str, np.ndarray]  # batch.ticket_columns
    stored: bulk_write.Stored


def recompute(session: Session, scope: Scope, policies: PolicySet, now: float, summary: bool = False) -> dict | int:
    """Recompute and store the SLA of the scope's tickets as of `now` (epoch seconds). Returns the number of
    tickets, or with summary=True {ticket_id: ticket column values} as store.recompute."""
    result = evaluate(session, scope, policies, now)
    write(session, result)
    if not summary:
        return len(result.ids)
    columns = result.columns
    lists = {k: [None if v != v else v for v in columns[k].tolist()] for k in ("fr_due", "res_due", "due", "risk")}
    for k in ("fr_breached", "res_breached"):
        lists[k] = [None if v < 0 else bool(v) for v in columns[k].tolist()]
    lists["policy_id"] = [p or None for p in result.policy_ids.tolist()]
    keys = ("policy_id", "fr_due", "res_due", "fr_breached", "res_breached", "due", "risk")
    return {tid: dict(zip(keys, values)) for tid, *values in zip(result.ids.tolist(), *(lists[k] for k in keys))}


@dataclass
class Loaded:
    """A batch as read: its tickets, their timelines, the policies they match, and their stored SLA."""
    scope: Scope
    ids: np.ndarray
    timelines: batch.Timelines
    policy_list: list
    stored: bulk_write.Stored


def evaluate(session: Session, scope: Scope, policies: PolicySet, now: float) -> Result:
    """Read the scope's histories and stored SLA, and compute every clock; writes nothing."""
    return compute(read(session, scope, policies), now)


def read(session: Session, scope: Scope, policies: PolicySet) -> Loaded:
    session.flush()  # the raw cursor below reads what the ORM has pending
    with session.connection().connection.driver_connection.cursor() as cur:
        return Loaded(scope, *_load(cur, scope, policies))


def compute(loaded: Loaded, now: float) -> Result:
    """Every clock of a batch as of `now` (epoch seconds), and the tickets' SLA columns."""
    tl, policy_list = loaded.timelines, loaded.policy_list
    clocks = batch.compute(tl, policy_list, now)
    policy_ids = np.asarray([0] + [p.id for p in policy_list], np.int64)[tl.policy + 1]
    return Result(loaded.scope, loaded.ids, policy_ids, clocks, batch.ticket_columns(len(loaded.ids), clocks),
                  loaded.stored)


def write(session: Session, result: Result) -> None:
    """Store a batch's SLA: only what differs from what was read (data/sla/bulk_write.py)."""
    with session.connection().connection.driver_connection.cursor() as cur:
        bulk_write.store(cur, result)


def _load(cur, scope: Scope, policies: PolicySet):
    tk = fetch_arrays(cur, _TICKETS.format(scope=scope.sql("t.id")), _TICKET_FIELDS)
    order = np.argsort(tk["id"], kind="stable")
    tk = {k: v[order] for k, v in tk.items()}
    ids, n = tk["id"], len(tk["id"])
    created = epoch_seconds(tk["created"])
    policy, policy_list = _policies(cur, scope, policies, tk)
    st = fetch_arrays(cur, _STATUSES.format(scope=scope.sql("e.ticket_id"), placed=statuses.placed("e"),
                                            kind=_KIND.format(status="e.to_status")),
                      (("ticket_id", ">i8"), ("at", ">i8"), ("id", ">i8"), ("kind", ">i2")))
    order = np.lexsort((st["id"], st["at"], st["ticket_id"]))  # by ticket, time, event id
    st = {"tix": st["ticket_id"][order], "at": epoch_seconds(st["at"][order]), "kind": st["kind"][order]}
    cm = fetch_arrays(cur, _COMMENTS.format(scope=scope.sql("c.ticket_id")),
                      (("ticket_id", ">i8"), ("at", ">i8"), ("flags", ">i2")))
    order = np.lexsort((cm["at"], cm["ticket_id"]))
    cm = {"tix": cm["ticket_id"][order], "at": epoch_seconds(cm["at"][order]), "flags": cm["flags"][order]}
    stored_clocks = bulk_write.read_clocks(cur, scope.sql("s.ticket_id"))
    s_tix, s_ok = _position(ids, st["tix"])
    c_tix, c_ok = _position(ids, cm["tix"])
    s_tix, s_at, s_kind = s_tix[s_ok], st["at"][s_ok], st["kind"][s_ok].astype(np.int8)
    c_tix, c_at, flags = c_tix[c_ok], cm["at"][c_ok], cm["flags"][c_ok]
    # A ticket without status events (imported): in a queue from creation, done at its resolution (store._fallback).
    missing = np.flatnonzero(np.bincount(s_tix, minlength=n) == 0)
    if len(missing):
        kind = tk["kind"][missing].astype(np.int8)
        resolved = (kind == batch.STOP) & (tk["resolved"][missing] != NO_INSTANT)
        kind[resolved] = batch.RUN
        done = missing[resolved]
        e_tix = np.concatenate([s_tix, missing, done])
        order = np.argsort(e_tix, kind="stable")  # per ticket: the queue entry before the done entry
        s_tix = e_tix[order]
        s_at = np.concatenate([s_at, created[missing], epoch_seconds(tk["resolved"][done])])[order]
        s_kind = np.concatenate([s_kind, kind, np.full(len(done), batch.STOP, np.int8)])[order]
    reply, message = (flags & 1) > 0, (flags & 2) > 0
    tl = batch.Timelines(created, policy, s_tix, s_at, s_kind, c_tix[reply], c_at[reply], c_tix[message],
                         c_at[message])
    stored = bulk_write.Stored(stored_clocks, {k: tk[k] for k in bulk_write.TICKET_COLUMNS})
    return ids, tl, policy_list, stored


def _policies(cur, scope: Scope, policies: PolicySet, tk: dict) -> tuple[np.ndarray, list]:
    """Each ticket's policy as an index into the returned list (-1: none), matched once per distinct
    (service, request type, priority, organisation) — a few dozen per batch, not one per ticket."""
    n = len(tk["id"])
    if not n:
        return np.full(0, -1, np.int64), []
    organisation, names = np.zeros(n, np.int64), [None]
    if policies.uses_organisation:
        cur.execute(_ORGANISATIONS.format(scope=scope.sql("t.id")))
        rows = cur.fetchall()
        if rows:
            index: dict[str, int] = {}
            for tid, name in rows:
                index.setdefault(name, len(index) + 1)
            names += list(index)
            at = np.searchsorted(tk["id"], np.fromiter((r[0] for r in rows), np.int64, len(rows)))
            organisation[at] = np.fromiter((index[r[1]] for r in rows), np.int64, len(rows))
    keys = np.stack([tk["service"], tk["request_type"], tk["priority"], organisation], axis=1)
    distinct, which = np.unique(keys, axis=0, return_inverse=True)
    policy_list, index_of = [], {}
    chosen = np.full(len(distinct), -1, np.int64)
    for k, (service, rtype, priority, org) in enumerate(distinct.tolist()):
        p = policies.match(service or None, rtype or None, priority or None, names[org])
        if p is not None:
            chosen[k] = index_of.setdefault(id(p), len(policy_list))
            if chosen[k] == len(policy_list):
                policy_list.append(p)
    return chosen[np.asarray(which).reshape(-1)], policy_list


def _position(ids: np.ndarray, tix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ticket as an index into ids, and whether it is one of them (READ COMMITTED: a ticket
    created between the queries may have rows here but no ticket row; it is left for the next recompute)."""
    i = np.searchsorted(ids, tix)
    ok = i < len(ids)
    ok[ok] = ids[i[ok]] == tix[ok]
    return i, ok
