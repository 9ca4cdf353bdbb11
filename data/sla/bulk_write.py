"""Writing a batch's SLA (data/sla/bulk.py): only what differs from what the batch read.

The computed clocks and ticket columns are compared in numpy with the stored ones, in their stored form
(instants as to_timestamp() stores them: pgbinary.stored_instant), and then:
- new clocks go by one binary COPY straight into ticket_sla — the first-time path: no staging table,
  no anti-join, no speculative insertion (ON CONFLICT) per row;
- changed clocks go through a staging table and an UPDATE, cycles that no longer exist are deleted by id,
  tickets whose SLA columns differ go through a staging table and an UPDATE;
- a batch whose SLA is current sends nothing.
A change to one of the tickets between the batch's read and its write (the per-change hook) may have
inserted one of the "new" clocks: the COPY then fails on the unique key, is rolled back to its savepoint,
and those clocks go through the staging table instead (an UPDATE of the ones now there, an INSERT of the rest).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import psycopg

from data.sla import batch
from data.sla.pgbinary import Column, copy_fixed, copy_rows, fetch_arrays, stored_instant

if TYPE_CHECKING:
    from data.sla.bulk import Result

TICKET_COLUMNS = ("policy_id", "fr_due", "res_due", "fr_breached", "res_breached", "due", "risk")
_CLOCK_VALUES = ("policy_id", "target_seconds", "started", "stopped", "due", "risk", "elapsed", "paused", "state",
                 "breached")


def _position_in(names, column: str) -> str:
    return f"(array_position(ARRAY[{', '.join(repr(n) for n in names)}], {column}::text) - 1)::int2"


# NULL instants read as 'infinity' (pgbinary.NO_INSTANT), no policy as 0; target and state as batch's codes.
_STORED_CLOCKS = f"""SELECT s.id, s.ticket_id, {_position_in(batch.TARGETS, "s.target")} AS target, s.cycle,
  coalesce(s.policy_id, 0)::int8 AS policy_id, s.target_seconds::int8 AS target_seconds, s.started_at AS started,
  coalesce(s.stopped_at, 'infinity') AS stopped, coalesce(s.due_at, 'infinity') AS due,
  coalesce(s.at_risk_at, 'infinity') AS risk, s.elapsed_seconds AS elapsed, s.paused_seconds AS paused,
  {_position_in(batch.STATES, "s.state")} AS state, s.breached
FROM ticket_sla s WHERE {{scope}}"""
_STORED_FIELDS = (("id", ">i8"), ("ticket_id", ">i8"), ("target", ">i2"), ("cycle", ">i4"), ("policy_id", ">i8"),
                  ("target_seconds", ">i8"), ("started", ">i8"), ("stopped", ">i8"), ("due", ">i8"), ("risk", ">i8"),
                  ("elapsed", ">f8"), ("paused", ">f8"), ("state", ">i2"), ("breached", "?"))

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
_UPDATE_TICKETS = f"""UPDATE tickets t SET sla_policy_id = v.policy_id, first_response_due_at = v.fr_due,
  resolution_due_at = v.res_due, sla_first_response_breached = v.fr_breached, sla_resolution_breached = v.res_breached,
  sla_due_at = v.due, sla_at_risk_at = v.risk
FROM {_TICKET_ROWS}
WHERE t.id = v.id AND {{scope}} AND (t.sla_policy_id, t.first_response_due_at, t.resolution_due_at,
  t.sla_first_response_breached, t.sla_resolution_breached, t.sla_due_at, t.sla_at_risk_at) IS DISTINCT FROM
  (v.policy_id, v.fr_due, v.res_due, v.fr_breached, v.res_breached, v.due, v.risk)"""
_DELETE = "DELETE FROM ticket_sla WHERE id = ANY(%s)"


@dataclass
class Stored:
    """What a batch's rows held when it was read, in the stored form."""
    clocks: dict[str, np.ndarray]  # read_clocks(): ticket_sla rows, sorted by key
    tickets: dict[str, np.ndarray]  # TICKET_COLUMNS of the batch's tickets (bulk.Result.ids)


def read_clocks(cur, scope_sql: str) -> dict[str, np.ndarray]:
    clocks = fetch_arrays(cur, _STORED_CLOCKS.format(scope=scope_sql), _STORED_FIELDS)
    clocks["key"] = _key(clocks["ticket_id"], clocks["target"], clocks["cycle"])
    order = np.argsort(clocks["key"], kind="stable")
    return {k: v[order] for k, v in clocks.items()}


def _key(ticket_id: np.ndarray, target: np.ndarray, cycle: np.ndarray) -> np.ndarray:
    """(ticket, target, cycle) packed into one sortable integer: ticket ids below 2^39, cycles below 2^20."""
    if len(ticket_id) and (ticket_id.max() >= 1 << 39 or cycle.max() >= 1 << 20):
        raise OverflowError("SLA clock key out of range")
    return (ticket_id.astype(np.int64) << 24) | (target.astype(np.int64) << 20) | cycle.astype(np.int64)


def store(cur, r: Result) -> None:
    c, s = r.clocks, r.stored.clocks
    key = _key(r.ids[c.tix], c.target, c.cycle)  # sorted: clocks come by ticket, target, cycle
    mine = _clock_form(r.policy_ids[c.tix], c)
    at = np.searchsorted(s["key"], key)
    found = at < len(s["key"])
    found[found] = s["key"][at[found]] == key[found]
    both, theirs = np.flatnonzero(found), at[found]
    differs = np.zeros(len(both), bool)
    for name in _CLOCK_VALUES:
        differs |= _differ(mine[name][both], s[name][theirs])
    kept = np.zeros(len(s["key"]), bool)
    kept[theirs] = True
    if not kept.all():  # cycles that no longer exist (a reopen undone, a policy without that target)
        cur.execute(_DELETE, (s["id"][~kept].tolist(),))
    scope = r.scope.sql("s.ticket_id")
    if differs.any():
        _stage_clocks(cur, r, both[differs])
        cur.execute(_UPDATE_CLOCKS.format(scope=scope))
    new = np.flatnonzero(~found)
    if len(new):
        cur.execute("SAVEPOINT okno_sla_new_clocks")
        try:
            _copy_new(cur, r, new, mine)
        except psycopg.errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT okno_sla_new_clocks")
            _stage_clocks(cur, r, new)  # those now there are updated (the batch's values win), the rest inserted
            cur.execute(_UPDATE_CLOCKS.format(scope=scope))
            cur.execute(_INSERT_CLOCKS.format(scope=scope))
        cur.execute("RELEASE SAVEPOINT okno_sla_new_clocks")
    stored, columns = r.stored.tickets, r.columns
    computed = {"policy_id": r.policy_ids, **{k: stored_instant(columns[k]) for k in ("fr_due", "res_due", "due", "risk")},
           "fr_breached": columns["fr_breached"], "res_breached": columns["res_breached"]}
    changed = np.zeros(len(r.ids), bool)
    for name in TICKET_COLUMNS:
        changed |= computed[name] != stored[name]
    if changed.any():
        _stage_tickets(cur, r, np.flatnonzero(changed))
        cur.execute(_UPDATE_TICKETS.format(scope=r.scope.sql("t.id")))


def _clock_form(policy_id: np.ndarray, c: batch.Clocks) -> dict[str, np.ndarray]:
    """The computed clocks as read_clocks() reads stored ones."""
    return {"policy_id": policy_id, "target_seconds": c.target_seconds.astype(np.int64),
            "started": stored_instant(c.started), "stopped": stored_instant(c.stopped), "due": stored_instant(c.due),
            "risk": stored_instant(c.risk), "elapsed": c.elapsed, "paused": c.paused, "state": c.state,
            "breached": c.breached.astype(bool)}


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":  # as IS DISTINCT FROM on float8: NaN equals NaN
        return (a != b) & ~(np.isnan(a) & np.isnan(b))
    return a != b


def _copy_new(cur, r: Result, rows: np.ndarray, mine: dict[str, np.ndarray]) -> None:
    c = r.clocks
    policy = mine["policy_id"][rows]
    instants = [Column(column, mine[name][rows], ">i8", null=np.isnan(getattr(c, name)[rows]))
                for column, name in (("stopped_at", "stopped"), ("due_at", "due"), ("at_risk_at", "risk"))]
    copy_rows(cur, "ticket_sla", [
        Column("ticket_id", r.ids[c.tix[rows]], ">i8"),
        Column("policy_id", policy, ">i4", null=policy == 0),
        Column("target", c.target[rows], labels=batch.TARGETS),
        Column("cycle", c.cycle[rows], ">i4"),
        Column("target_seconds", mine["target_seconds"][rows], ">i4"),
        Column("started_at", mine["started"][rows], ">i8"),
        *instants,
        Column("elapsed_seconds", c.elapsed[rows], ">f8"),
        Column("paused_seconds", c.paused[rows], ">f8"),
        Column("state", c.state[rows], labels=batch.STATES),
        Column("breached", mine["breached"][rows], "?")])


def _stage_clocks(cur, r: Result, rows: np.ndarray) -> None:
    c = r.clocks
    cur.execute(_STAGE)
    copy_fixed(cur, "okno_sla_clock_rows", _CLOCK_FIELDS, {
        "ticket_id": r.ids[c.tix[rows]], "policy_id": r.policy_ids[c.tix[rows]], "target": c.target[rows],
        "cycle": c.cycle[rows], "target_seconds": c.target_seconds[rows].astype(np.int64), "started": c.started[rows],
        "stopped": c.stopped[rows], "due": c.due[rows], "risk": c.risk[rows], "elapsed": c.elapsed[rows],
        "paused": c.paused[rows], "state": c.state[rows], "breached": c.breached[rows]})


def _stage_tickets(cur, r: Result, rows: np.ndarray) -> None:
    cur.execute(_STAGE)
    copy_fixed(cur, "okno_sla_ticket_rows", _TICKET_FIELDS,
               {"id": r.ids[rows], "policy_id": r.policy_ids[rows], **{k: r.columns[k][rows] for k in TICKET_COLUMNS
                                                                       if k != "policy_id"}})
