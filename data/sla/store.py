"""Loading ticket timelines and writing SLA results, for one ticket or a batch of thousands.

Each step is one SQL statement per batch: tickets, their status history and their comments come
back as arrays per ticket; results go back as arrays through unnest() (an upsert into ticket_sla,
a delete of cycles that no longer exist, and an update of the ticket's denormalised columns that
touches only tickets whose values changed).

Batches of BULK tickets or more (the backfill, a policy edit, a big intake batch) go to
data/sla/bulk.py instead: binary COPY both ways and the numpy clock of data/sla/batch.py, since
per-ticket Python objects and text-encoded array parameters cost more than the SQL itself.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from data.sla.clock import Clock, Timeline, compute
from data.sla.policies import Policy, PolicySet
from data.tickets import status as statuses

_TICKETS = text("""
SELECT t.id, extract(epoch FROM t.created_at)::float8, t.service_id, t.request_type_id, t.priority_id, r.organisation,
       t.status, extract(epoch FROM t.resolved_at)::float8
FROM tickets t LEFT JOIN requesters r ON r.id = t.requester_id
WHERE t.id = ANY(CAST(:ids AS bigint[]))""")
# The kind test sits in FILTER, not WHERE: in WHERE the planner may AND in the (kind, at) index, which at
# millions of 'moved' events costs seconds per batch; by ticket_id alone it is a few index pages per ticket.
_STATUSES = text(f"""
SELECT ticket_id, array_agg(extract(epoch FROM at)::float8 ORDER BY at, id) FILTER (WHERE placed),
       array_agg(to_status ORDER BY at, id) FILTER (WHERE placed)
FROM (SELECT e.ticket_id, e.at, e.id, e.to_status, {statuses.placed("e")} AS placed
      FROM ticket_events e WHERE e.ticket_id = ANY(CAST(:ids AS bigint[]))) e
GROUP BY ticket_id""")
# Agent replies: public, by a staff user, not an auto-reply. Requester messages: any comment by the requester.
_COMMENTS = text("""
SELECT ticket_id,
       array_agg(extract(epoch FROM created_at)::float8 ORDER BY created_at)
         FILTER (WHERE is_public AND author_user_id IS NOT NULL AND NOT is_system),
       array_agg(extract(epoch FROM created_at)::float8 ORDER BY created_at) FILTER (WHERE author_requester_id IS NOT NULL)
FROM comments WHERE ticket_id = ANY(CAST(:ids AS bigint[])) GROUP BY ticket_id""")

_CLOCK_COLUMNS = "ticket_id, policy_id, target, cycle, target_seconds, started, stopped, due, risk, elapsed, paused, " \
    "state, breached"
_TICKET_VALUES = "id, policy_id, fr_due, res_due, fr_breached, res_breached, due, risk"
# {clocks} and {tickets} are the batch's results: unnest() of array parameters, or the staging tables.
_UPSERT = """
INSERT INTO ticket_sla (ticket_id, policy_id, target, cycle, target_seconds, started_at, stopped_at, due_at,
                        at_risk_at, elapsed_seconds, paused_seconds, state, breached, computed_at)
SELECT v.ticket_id, v.policy_id, v.target, v.cycle, v.target_seconds, to_timestamp(v.started), to_timestamp(v.stopped),
       to_timestamp(v.due), to_timestamp(v.risk), v.elapsed, v.paused, v.state, v.breached, now()
FROM {clocks}
ON CONFLICT (ticket_id, target, cycle) DO UPDATE SET
  policy_id = excluded.policy_id, target_seconds = excluded.target_seconds, started_at = excluded.started_at,
  stopped_at = excluded.stopped_at, due_at = excluded.due_at, at_risk_at = excluded.at_risk_at,
  elapsed_seconds = excluded.elapsed_seconds, paused_seconds = excluded.paused_seconds, state = excluded.state,
  breached = excluded.breached, computed_at = excluded.computed_at
WHERE (ticket_sla.policy_id, ticket_sla.target_seconds, ticket_sla.started_at, ticket_sla.stopped_at, ticket_sla.due_at,
       ticket_sla.at_risk_at, ticket_sla.elapsed_seconds, ticket_sla.paused_seconds, ticket_sla.state,
       ticket_sla.breached) IS DISTINCT FROM
      (excluded.policy_id, excluded.target_seconds, excluded.started_at, excluded.stopped_at, excluded.due_at,
       excluded.at_risk_at, excluded.elapsed_seconds, excluded.paused_seconds, excluded.state, excluded.breached)"""
_PRUNE = """
DELETE FROM ticket_sla s WHERE s.ticket_id IN (SELECT v.id FROM {tickets})
AND NOT EXISTS (SELECT 1 FROM {clocks} WHERE v.ticket_id = s.ticket_id AND v.target = s.target AND v.cycle = s.cycle)"""
_TICKET_COLUMNS = """
UPDATE tickets t SET sla_policy_id = v.policy_id, first_response_due_at = to_timestamp(v.fr_due),
  resolution_due_at = to_timestamp(v.res_due), sla_first_response_breached = v.fr_breached,
  sla_resolution_breached = v.res_breached, sla_due_at = to_timestamp(v.due), sla_at_risk_at = to_timestamp(v.risk)
FROM {tickets}
WHERE t.id = v.id AND (t.sla_policy_id, t.first_response_due_at, t.resolution_due_at, t.sla_first_response_breached,
       t.sla_resolution_breached, t.sla_due_at, t.sla_at_risk_at) IS DISTINCT FROM
      (v.policy_id, to_timestamp(v.fr_due), to_timestamp(v.res_due), v.fr_breached, v.res_breached,
       to_timestamp(v.due), to_timestamp(v.risk))"""
_ARRAYS = {
    "clocks": f"""unnest(CAST(:ticket_id AS bigint[]), CAST(:policy_id AS int[]), CAST(:target AS text[]),
                  CAST(:cycle AS int[]), CAST(:target_seconds AS int[]), CAST(:started AS float8[]),
                  CAST(:stopped AS float8[]), CAST(:due AS float8[]), CAST(:risk AS float8[]),
                  CAST(:elapsed AS float8[]), CAST(:paused AS float8[]), CAST(:state AS text[]),
                  CAST(:breached AS bool[])) AS v({_CLOCK_COLUMNS})""",
    "tickets": f"""unnest(CAST(:id AS bigint[]), CAST(:policy_id AS int[]), CAST(:fr_due AS float8[]),
                   CAST(:res_due AS float8[]), CAST(:fr_breached AS bool[]), CAST(:res_breached AS bool[]),
                   CAST(:due AS float8[]), CAST(:risk AS float8[])) AS v({_TICKET_VALUES})"""}
BY_ARRAYS = {name: text(sql.format(**_ARRAYS)) for name, sql in
             (("upsert", _UPSERT), ("tickets", _TICKET_COLUMNS))}
BY_ARRAYS["prune"] = text(_PRUNE.format(tickets="unnest(CAST(:ids AS bigint[])) AS v(id)", clocks=_ARRAYS["clocks"]))

BULK = 500  # tickets per batch from which data/sla/bulk.py takes over (binary COPY both ways, numpy clocks)


def evaluate(session: Session, ticket_ids: list[int], policies: PolicySet, now: datetime | None = None
             ) -> dict[int, tuple[Policy | None, list[Clock]]]:
    """Every SLA clock of these tickets from their history, without writing anything."""
    now_ts = (now or datetime.now(timezone.utc)).timestamp()
    tickets = session.execute(_TICKETS, {"ids": ticket_ids}).all()
    statuses = {r[0]: list(zip(r[1] or (), r[2] or ())) for r in session.execute(_STATUSES, {"ids": ticket_ids})}
    comments = {r[0]: ([float(x) for x in r[1] or ()], [float(x) for x in r[2] or ()])
                for r in session.execute(_COMMENTS, {"ids": ticket_ids})}
    result = {}
    for tid, created, service, rtype, priority, organisation, status, resolved in tickets:
        policy = policies.match(service, rtype, priority, organisation)
        clocks: list[Clock] = []
        if policy is not None:
            history = statuses.get(tid) or _fallback(float(created), status, resolved)
            replies, messages = comments.get(tid, ([], []))
            clocks = compute(Timeline(float(created), history, replies, messages), policy.targets, now_ts)
        result[tid] = (policy, clocks)
    return result


def recompute(session: Session, ticket_ids: list[int], policies: PolicySet, now: datetime | None = None) -> dict:
    """Recompute and store the SLA of these tickets; returns {ticket_id: ticket column values}."""
    if not ticket_ids:
        return {}
    if len(ticket_ids) >= BULK:
        from data.sla import bulk
        now_ts = (now or datetime.now(timezone.utc)).timestamp()
        return bulk.recompute(session, bulk.Scope(ids=sorted(ticket_ids)), policies, now_ts, summary=True)
    rows = {k: [] for k in ("ticket_id", "policy_id", "target", "cycle", "target_seconds", "started", "stopped",
                            "due", "risk", "elapsed", "paused", "state", "breached")}
    columns = {k: [] for k in ("id", "policy_id", "fr_due", "res_due", "fr_breached", "res_breached", "due", "risk")}
    summary = {}
    for tid, (policy, clocks) in evaluate(session, ticket_ids, policies, now).items():
        for c in clocks:
            for key, value in (("ticket_id", tid), ("policy_id", policy.id), ("target", c.target),
                               ("cycle", c.cycle), ("target_seconds", int(c.target_seconds)),
                               ("started", c.started_at), ("stopped", c.stopped_at), ("due", c.due_at),
                               ("risk", c.at_risk_at), ("elapsed", float(c.elapsed)), ("paused", float(c.paused)),
                               ("state", c.state), ("breached", c.breached)):
                rows[key].append(value)
        values = ticket_values(policy.id if policy else None, clocks)
        summary[tid] = values
        columns["id"].append(tid)
        for key in ("policy_id", "fr_due", "res_due", "fr_breached", "res_breached", "due", "risk"):
            columns[key].append(values[key])
    if rows["ticket_id"]:
        session.execute(BY_ARRAYS["upsert"], rows)
    session.execute(BY_ARRAYS["prune"], {"ids": ticket_ids, **rows})
    session.execute(BY_ARRAYS["tickets"], columns)
    return summary


def _fallback(created: float, status: str, resolved) -> list[tuple[float, str]]:
    """A ticket without status events (imported): queue from creation, done at its resolution time."""
    if status == "done" and resolved is not None:
        return [(created, "queue"), (float(resolved), "done")]
    return [(created, status)]


def ticket_values(policy_id: int | None, clocks: list[Clock]) -> dict:
    """The ticket's own SLA columns: first response, the latest resolution cycle, the nearest running due."""
    first = next((c for c in clocks if c.target == "first_response"), None)
    resolution = [c for c in clocks if c.target == "resolution"]
    latest = resolution[-1] if resolution else None
    running = [c for c in clocks if c.stopped_at is None and c.state != "paused" and c.due_at is not None]
    nearest = min(running, key=lambda c: c.due_at) if running else None
    risks = [c.at_risk_at for c in running if c.at_risk_at is not None]
    return {"policy_id": policy_id,
            "fr_due": first.due_at if first else None, "res_due": latest.due_at if latest else None,
            "fr_breached": first.breached if first else None, "res_breached": latest.breached if latest else None,
            "due": nearest.due_at if nearest else None, "risk": min(risks) if risks else None}
