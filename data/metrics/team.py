"""Per-agent workload and results, load per lane, and when requests arrive (weekday × hour)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import daily, require_analytics, rollup, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.sql import CREATED_IN_RANGE, CYCLE_DAYS, REOPENS_IN_RANGE, resolution_rows


def agents(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Per assignee: open now, resolutions in the range, median cycle time (days), SLA met % of the resolved
    cycles with an SLA, reopen rate % = reopens in the range ÷ resolutions in the range."""
    require_analytics(actor)
    w, params = where(f)
    if rollup.usable(session, f):
        return _agents_from_rollup(session, f, w, params)
    return rows(session, f"""
        WITH o AS (SELECT t.assignee_id AS id, count(*) AS open_now FROM tickets t
                   WHERE {w} AND t.status <> 'done' AND t.assignee_id IS NOT NULL GROUP BY 1),
        d AS (SELECT r.assignee_id AS id, count(*) AS resolved,
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY {CYCLE_DAYS}) AS cycle_p50,
                     100.0 * avg(r.sla_met) AS sla_met
              FROM ({resolution_rows(w)}) AS r WHERE r.assignee_id IS NOT NULL GROUP BY 1),
        ro AS (SELECT t.assignee_id AS id, count(*) AS reopens FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
               WHERE {w} AND {REOPENS_IN_RANGE} AND t.assignee_id IS NOT NULL GROUP BY 1)
        SELECT u.id AS agent_id, u.name, tm.name AS team, coalesce(o.open_now, 0) AS open_now,
               coalesce(d.resolved, 0) AS resolved, d.cycle_p50, d.sla_met,
               100.0 * coalesce(ro.reopens, 0) / nullif(d.resolved, 0) AS reopen_rate
        FROM o FULL JOIN d USING (id) LEFT JOIN ro USING (id) JOIN users u ON u.id = coalesce(o.id, d.id)
        LEFT JOIN teams tm ON tm.id = u.team_id
        ORDER BY coalesce(d.resolved, 0) DESC, u.name""", params | range_params(f))


def _agents_from_rollup(session: Session, f: TicketFilter, w: str, params: dict) -> list[dict]:
    done = daily.agents_done(session, f)
    open_now = {r["id"]: r["n"] for r in rows(session, f"""
        SELECT t.assignee_id AS id, count(*) AS n FROM tickets t
        WHERE {w} AND t.status <> 'done' AND t.assignee_id IS NOT NULL GROUP BY 1""", params)}
    ids = sorted(set(done) | set(open_now))
    people = {r["id"]: r for r in rows(session, """
        SELECT u.id, u.name, tm.name AS team FROM users u LEFT JOIN teams tm ON tm.id = u.team_id
        WHERE u.id = ANY(:ids)""", {"ids": ids})}
    out = []
    for i in ids:
        d = done.get(i, {})
        out.append({"agent_id": i, "name": people[i]["name"], "team": people[i]["team"],
                    "open_now": open_now.get(i, 0), "resolved": d.get("resolved", 0), "cycle_p50": d.get("cycle_p50"),
                    "sla_met": d.get("sla_met"), "reopen_rate": d.get("reopen_rate")})
    return sorted(out, key=lambda r: (-r["resolved"], r["name"]))


def lanes(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Open tickets per lane (the load a lead sees on the board) by status, with the lane's WIP limit."""
    require_analytics(actor)
    w, params = where(f)
    return rows(session, f"""
        SELECT b.id AS board_id, b.name AS board, l.id AS lane_id, l.name AS lane, l.wip_limit,
               count(*) FILTER (WHERE t.status = 'queue') AS queue,
               count(*) FILTER (WHERE t.status = 'in_progress') AS in_progress,
               count(*) FILTER (WHERE t.status = 'waiting') AS waiting, count(*) AS open_now
        FROM tickets t JOIN lanes l ON l.id = t.lane_id JOIN boards b ON b.id = l.board_id
        WHERE {w} AND t.status <> 'done'
        GROUP BY b.id, l.id ORDER BY b.id, l.position""", params)


def arrivals(session: Session, actor: User, f: TicketFilter) -> list[dict]:
    """Tickets created per local weekday (1 = Monday) and hour, every cell present."""
    require_analytics(actor)
    if rollup.usable(session, f):
        return daily.arrivals(session, f)
    w, params = where(f)
    return rows(session, f"""
        WITH a AS (SELECT extract(isodow FROM t.created_at AT TIME ZONE :tz)::int AS weekday,
                          extract(hour FROM t.created_at AT TIME ZONE :tz)::int AS hour, count(*) AS n
                   FROM tickets t WHERE {w} AND {CREATED_IN_RANGE} GROUP BY 1, 2)
        SELECT d AS weekday, h AS hour, coalesce(a.n, 0) AS n
        FROM generate_series(1, 7) AS d CROSS JOIN generate_series(0, 23) AS h
        LEFT JOIN a ON a.weekday = d AND a.hour = h ORDER BY d, h""", params | range_params(f))
