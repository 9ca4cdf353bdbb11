"""The SLA of thousands of tickets at a time (the backfill, a policy or calendar edit, a big intake batch).

Per batch: three queries read the tickets, their status entries and their comments; the entries and
comments come back by binary COPY, every field fixed-width, straight into numpy arrays (no Python
object per row). data/sla/batch.py computes every clock; the results go back by one binary COPY per
staging table, written from numpy in one piece. Then four set statements apply them, each touching only
rows whose values changed: an UPDATE of changed clocks, a DELETE of cycles that no longer exist, an INSERT
of new clocks, an UPDATE of tickets whose SLA columns changed. (An INSERT … ON CONFLICT DO UPDATE … WHERE
locks every existing row even when nothing changes — a write per row on a backfill that changes nothing.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from data.sla import batch
from data.sla.clock import STOPPED
from data.sla.policies import PolicySet
from data.tickets import status as statuses

_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_TRAILER = b"\xff\xff"
_NATIVE = {">i8": np.int64, ">i4": np.int32, ">i2": np.int16, ">f8": np.float64, "?": np.bool_}

_TICKETS = """SELECT t.id, extract(epoch FROM t.created_at)::float8, t.service_id, t.request_type_id, t.priority_id,
       r.organisation, t.status, extract(epoch FROM t.resolved_at)::float8
FROM tickets t LEFT JOIN requesters r ON r.id = t.requester_id WHERE {scope} ORDER BY t.id"""
# As store._STATUSES (which see for the order): the placing test stays out of the scan's WHERE (OFFSET 0 keeps it out), or the
# planner may AND in the (kind, at) index, which at millions of 'moved' events costs seconds per batch.
_STATUSES = """SELECT ticket_id, at, id, kind FROM (
  SELECT e.ticket_id, e.at, e.id, {placed} AS placed,
         (CASE e.to_status WHEN '{stop}' THEN {STOP} WHEN '{pause}' THEN {PAUSE} ELSE {RUN} END)::int2 AS kind
  FROM ticket_events e WHERE {scope} OFFSET 0) e
WHERE placed"""
# 1: a public reply by a staff user that is not an auto-reply; 2: a requester's message (as store._COMMENTS).
_COMMENTS = """SELECT ticket_id, created_at AS at,
       (CASE WHEN is_public AND author_user_id IS NOT NULL AND NOT is_system THEN 1 ELSE 0 END
        + CASE WHEN author_requester_id IS NOT NULL THEN 2 ELSE 0 END)::int2 AS flags
FROM comments c WHERE {scope}"""
# Each column comes back as one binary array (array_send of array_agg: one value per column, not one
# message per row, which psycopg would hand to Python row by row), parsed by numpy. Instants are binary
# timestamptz (microseconds since 2000-01-01), turned into epoch seconds by numpy — the same float8 as
# extract(epoch …) gives; rows are sorted by numpy too. PostgreSQL spent more on the numeric extract()
# and the sort than on reading the rows.
_EPOCH_2000_US = 946_684_800_000_000

_STAGE = """
CREATE TEMPORARY TABLE IF NOT EXISTS okno_sla_clock_rows (ticket_id bigint, policy_id int, target smallint, cycle int,
  target_seconds int, started float8, stopped float8, due float8, risk float8, elapsed float8, paused float8,
  state smallint, breached bool) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS okno_sla_ticket_rows (id bigint, policy_id int, fr_due float8, res_due float8,
  fr_breached smallint, res_breached smallint, due float8, risk float8) ON COMMIT DELETE ROWS;
TRUNCATE okno_sla_clock_rows, okno_sla_ticket_rows"""
_CLOCK_FIELDS = (("ticket_id", ">i8"), ("policy_id", ">i4"), ("target", ">i2"), ("cycle", ">i4"),
                 ("target_seconds", ">i4"), ("started", ">f8"), ("stopped", ">f8"), ("due", ">f8"), ("risk", ">f8"),
                 ("elapsed", ">f8"), ("paused", ">f8"), ("state", ">i2"), ("breached", "?"))
_TICKET_FIELDS = (("id", ">i8"), ("policy_id", ">i4"), ("fr_due", ">f8"), ("res_due", ">f8"), ("fr_breached", ">i2"),
                  ("res_breached", ">i2"), ("due", ">f8"), ("risk", ">f8"))


def _names(names) -> str:
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]"


# The staging rows as the tables' types: NaN → NULL, codes → names, 0 → no policy, -1 → no flag.
_CLOCKS = f"""(SELECT ticket_id, nullif(policy_id, 0) AS policy_id, ({_names(batch.TARGETS)})[target + 1] AS target,
  cycle, target_seconds, to_timestamp(started) AS started_at, to_timestamp(nullif(stopped, 'NaN')) AS stopped_at,
  to_timestamp(nullif(due, 'NaN')) AS due_at, to_timestamp(nullif(risk, 'NaN')) AS at_risk_at, elapsed, paused,
  ({_names(batch.STATES)})[state + 1] AS state, breached FROM okno_sla_clock_rows) AS v"""
_TICKET_ROWS = """(SELECT id, nullif(policy_id, 0) AS policy_id, to_timestamp(nullif(fr_due, 'NaN')) AS fr_due,
  to_timestamp(nullif(res_due, 'NaN')) AS res_due, CASE fr_breached WHEN -1 THEN NULL ELSE fr_breached = 1 END AS fr_breached,
  CASE res_breached WHEN -1 THEN NULL ELSE res_breached = 1 END AS res_breached, to_timestamp(nullif(due, 'NaN')) AS due,
  to_timestamp(nullif(risk, 'NaN')) AS risk FROM okno_sla_ticket_rows) AS v"""
_SAME_CLOCK = "s.ticket_id = v.ticket_id AND s.target = v.target AND s.cycle = v.cycle"
_CHANGED = """(s.policy_id, s.target_seconds, s.started_at, s.stopped_at, s.due_at, s.at_risk_at, s.elapsed_seconds,
   s.paused_seconds, s.state, s.breached) IS DISTINCT FROM
  (v.policy_id, v.target_seconds, v.started_at, v.stopped_at, v.due_at, v.at_risk_at, v.elapsed, v.paused, v.state,
   v.breached)"""
_UPDATE_CLOCKS = f"""UPDATE ticket_sla s SET policy_id = v.policy_id, target_seconds = v.target_seconds,
  started_at = v.started_at, stopped_at = v.stopped_at, due_at = v.due_at, at_risk_at = v.at_risk_at,
  elapsed_seconds = v.elapsed, paused_seconds = v.paused, state = v.state, breached = v.breached, computed_at = now()
FROM {_CLOCKS} WHERE {_SAME_CLOCK} AND {{scope}} AND {_CHANGED}"""
# New clocks only; ON CONFLICT for a clock a concurrent change inserted meanwhile (then the later values win).
_INSERT_CLOCKS = f"""INSERT INTO ticket_sla (ticket_id, policy_id, target, cycle, target_seconds, started_at, stopped_at,
  due_at, at_risk_at, elapsed_seconds, paused_seconds, state, breached, computed_at)
SELECT v.ticket_id, v.policy_id, v.target, v.cycle, v.target_seconds, v.started_at, v.stopped_at, v.due_at,
  v.at_risk_at, v.elapsed, v.paused, v.state, v.breached, now()
FROM {_CLOCKS} WHERE NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE {_SAME_CLOCK} AND {{scope}})
ON CONFLICT (ticket_id, target, cycle) DO UPDATE SET policy_id = excluded.policy_id,
  target_seconds = excluded.target_seconds, started_at = excluded.started_at, stopped_at = excluded.stopped_at,
  due_at = excluded.due_at, at_risk_at = excluded.at_risk_at, elapsed_seconds = excluded.elapsed_seconds,
  paused_seconds = excluded.paused_seconds, state = excluded.state, breached = excluded.breached,
  computed_at = excluded.computed_at"""
_PRUNE = f"""DELETE FROM ticket_sla s WHERE {{scope}} AND NOT EXISTS (
  SELECT 1 FROM okno_sla_clock_rows v WHERE v.ticket_id = s.ticket_id AND s.target = ({_names(batch.TARGETS)})[v.target + 1]
  AND v.cycle = s.cycle)"""
_UPDATE_TICKETS = f"""UPDATE tickets t SET sla_policy_id = v.policy_id, first_response_due_at = v.fr_due,
  resolution_due_at = v.res_due, sla_first_response_breached = v.fr_breached, sla_resolution_breached = v.res_breached,
  sla_due_at = v.due, sla_at_risk_at = v.risk
FROM {_TICKET_ROWS}
WHERE t.id = v.id AND {{scope}} AND (t.sla_policy_id, t.first_response_due_at, t.resolution_due_at,
  t.sla_first_response_breached, t.sla_resolution_breached, t.sla_due_at, t.sla_at_risk_at) IS DISTINCT FROM
  (v.policy_id, v.fr_due, v.res_due, v.fr_breached, v.res_breached, v.due, v.risk)"""


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
    """A batch's computed SLA, ready to write."""
    scope: Scope
    ids: np.ndarray  # the tickets, ascending
    policy_ids: np.ndarray  # per ticket, 0 for none
    clocks: batch.Clocks
    columns: dict[str, np.ndarray]  # batch.ticket_columns


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


def evaluate(session: Session, scope: Scope, policies: PolicySet, now: float) -> Result:
    """Read the scope's histories and compute every clock; writes nothing."""
    session.flush()  # the raw cursor below reads what the ORM has pending
    with session.connection().connection.driver_connection.cursor() as cur:
        ids, tl, policy_list = _load(cur, scope, policies)
    clocks = batch.compute(tl, policy_list, now)
    policy_ids = np.asarray([0] + [p.id for p in policy_list], np.int64)[tl.policy + 1]
    return Result(scope, ids, policy_ids, clocks, batch.ticket_columns(len(ids), clocks))


def write(session: Session, result: Result) -> None:
    """Store a batch's SLA: staging tables by binary COPY, then only the rows that changed."""
    with session.connection().connection.driver_connection.cursor() as cur:
        _write(cur, result.scope, result.ids, result.policy_ids, result.clocks, result.columns)


def _load(cur, scope: Scope, policies: PolicySet):
    cur.execute(_TICKETS.format(scope=scope.sql("t.id")))
    rows = cur.fetchall()
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), np.int64, n)
    created = np.fromiter((r[1] for r in rows), np.float64, n)
    policy_list, index = [], {}
    policy = np.full(n, -1, np.int64)
    for i, (_, _, service, rtype, priority, organisation, _, _) in enumerate(rows):
        p = policies.match(service, rtype, priority, organisation)
        if p is not None:
            if id(p) not in index:
                index[id(p)] = len(policy_list)
                policy_list.append(p)
            policy[i] = index[id(p)]
    st = _fetch_arrays(cur, _STATUSES.format(scope=scope.sql("e.ticket_id"), placed=statuses.placed("e"),
                                         stop=STOPPED, pause=batch.PAUSE_STATUS, STOP=batch.STOP,
                                         PAUSE=batch.PAUSE, RUN=batch.RUN),
                   (("ticket_id", ">i8"), ("at", ">i8"), ("id", ">i8"), ("kind", ">i2")))
    order = np.lexsort((st["id"], st["at"], st["ticket_id"]))  # by ticket, time, event id
    st = {"tix": st["ticket_id"][order], "at": _epoch(st["at"][order]), "kind": st["kind"][order]}
    cm = _fetch_arrays(cur, _COMMENTS.format(scope=scope.sql("c.ticket_id")),
                   (("ticket_id", ">i8"), ("at", ">i8"), ("flags", ">i2")))
    order = np.lexsort((cm["at"], cm["ticket_id"]))
    cm = {"tix": cm["ticket_id"][order], "at": _epoch(cm["at"][order]), "flags": cm["flags"][order]}
    s_tix, s_ok = _position(ids, st["tix"])
    c_tix, c_ok = _position(ids, cm["tix"])
    s_tix, s_at, s_kind = s_tix[s_ok], st["at"][s_ok], st["kind"][s_ok].astype(np.int8)
    c_tix, c_at, flags = c_tix[c_ok], cm["at"][c_ok], cm["flags"][c_ok]
    # A ticket without status events (imported): in a queue from creation, done at its resolution (store._fallback).
    missing = np.flatnonzero(np.bincount(s_tix, minlength=n) == 0)
    if len(missing):
        extra = []
        for i in missing.tolist():
            status, resolved = rows[i][6], rows[i][7]
            if status == STOPPED and resolved is not None:
                extra += [(i, float(created[i]), batch.RUN), (i, float(resolved), batch.STOP)]
            else:
                extra.append((i, float(created[i]), batch.kind_of(status)))
        e_tix, e_at, e_kind = (np.asarray(x) for x in zip(*extra))
        s_tix = np.concatenate([s_tix, e_tix.astype(np.int64)])
        order = np.argsort(s_tix, kind="stable")  # per ticket: the queue entry before the done entry
        s_tix, s_at = s_tix[order], np.concatenate([s_at, e_at.astype(np.float64)])[order]
        s_kind = np.concatenate([s_kind, e_kind.astype(np.int8)])[order]
    reply, message = (flags & 1) > 0, (flags & 2) > 0
    tl = batch.Timelines(created, policy, s_tix, s_at, s_kind, c_tix[reply], c_at[reply], c_tix[message],
                         c_at[message])
    return ids, tl, policy_list


def _epoch(microseconds_since_2000: np.ndarray) -> np.ndarray:
    return (microseconds_since_2000 + _EPOCH_2000_US).astype(np.float64) / 1e6


def _position(ids: np.ndarray, tix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ticket as an index into ids, and whether it is one of them (READ COMMITTED: a ticket
    created between the queries may have rows here but no ticket row; it is left for the next recompute)."""
    i = np.searchsorted(ids, tix)
    ok = i < len(ids)
    ok[ok] = ids[i[ok]] == tix[ok]
    return i, ok


def _fetch_arrays(cur, query: str, fields) -> dict[str, np.ndarray]:
    """A query's columns (never NULL) as numpy arrays: one binary array per column, parsed by numpy."""
    columns = ", ".join(f"array_send(array_agg(q.{name}))" for name, _ in fields)
    cur.execute(f"SELECT {columns} FROM ({query}) q", binary=True)
    out = {}
    for (name, t), data in zip(fields, cur.fetchone()):
        if data is None:  # no rows
            out[name] = np.zeros(0, _NATIVE[t])
            continue
        # After the 20-byte header of a one-dimensional array: (length, value) per element.
        out[name] = np.frombuffer(data, np.dtype([("len", ">i4"), ("v", t)]), offset=20)["v"].astype(_NATIVE[t])
    return out


def _copy_in(cur, table: str, fields, values: dict[str, np.ndarray]) -> None:
    """Rows into a table by one binary COPY, encoded by numpy (fixed-width columns, no NULLs)."""
    n = len(next(iter(values.values())))
    dtype = np.dtype([("n", ">i2")] + [x for name, t in fields for x in ((f"{name}_len", ">i4"), (name, t))])
    rows = np.empty(n, dtype)
    rows["n"] = len(fields)
    for name, t in fields:
        rows[f"{name}_len"] = np.dtype(t).itemsize
        rows[name] = values[name]
    with cur.copy(f"COPY {table} ({', '.join(name for name, _ in fields)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_HEADER + rows.tobytes() + _TRAILER)


def _write(cur, scope: Scope, ids, policy_ids, c: batch.Clocks, columns: dict) -> None:
    cur.execute(_STAGE)
    _copy_in(cur, "okno_sla_clock_rows", _CLOCK_FIELDS, {
        "ticket_id": ids[c.tix], "policy_id": policy_ids[c.tix], "target": c.target, "cycle": c.cycle,
        "target_seconds": c.target_seconds.astype(np.int64), "started": c.started, "stopped": c.stopped,
        "due": c.due, "risk": c.risk, "elapsed": c.elapsed, "paused": c.paused, "state": c.state,
        "breached": c.breached})
    _copy_in(cur, "okno_sla_ticket_rows", _TICKET_FIELDS, {"id": ids, "policy_id": policy_ids, **columns})
    # Stale cycles go before the new clocks come in: on a first run the DELETE then scans an empty range.
    cur.execute(_UPDATE_CLOCKS.format(scope=scope.sql("s.ticket_id")))
    cur.execute(_PRUNE.format(scope=scope.sql("s.ticket_id")))
    cur.execute(_INSERT_CLOCKS.format(scope=scope.sql("s.ticket_id")))
    cur.execute(_UPDATE_TICKETS.format(scope=scope.sql("t.id")))
