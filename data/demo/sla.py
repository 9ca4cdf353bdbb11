"""SLA for the demo company: business calendars, a policy per service and priority, then the SLA of
every demo ticket computed from its simulated history (so the board shows green/amber/red timers
and analytics can chart met vs breached).

The policies are seeded before the tickets are loaded, and each chunk's SLA is computed from the
simulated events and comments in memory (the backfill's clock, data/sla/batch.py, on the same inputs
the store would read back): the SLA columns go into the tickets' own COPY and the clocks are COPYed
into ticket_sla. Computing them after the load meant an UPDATE of every ticket (a dead row each)
and reading the whole history back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.demo.history import STATUSES
from data.sla import batch
from data.sla.policies import PolicySet
from data.config import get_config
from data.sla.calendars import DEFAULT_HOURS
from data.models import BusinessCalendar, Priority, Service, SlaPolicy

# Russian public holidays (fixed dates) for the demo years; the simulation uses the same ones.
HOLIDAYS = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
# Business minutes per priority: first response, resolution (9–18 working days).
TARGETS = {"urgent": (60, 8 * 60), "high": (120, 16 * 60), "normal": (240, 24 * 60), "low": (480, 40 * 60),
           "can_wait": (960, 72 * 60)}
# How much longer than IT support each department takes; ideas get no first-response promise.
SERVICE_FACTOR = {"it": 1.0, "hr": 1.5, "accounting": 1.5, "legal": 2.0, "improve": 3.0, "ideas": 4.0}


def seed_policies(session: Session) -> int:
    """Create the demo calendars and one SLA policy per service × priority; returns the number of policies."""
    today = date.today()
    holidays = sorted(date(y, m, d) for y in range(today.year - 2, today.year + 2) for m, d in HOLIDAYS)
    zone = get_config().timezone  # the simulation's local time (data/demo/calendar.py)
    office = BusinessCalendar(name="Производственный календарь (Москва, 9–18)", timezone=zone,
                              hours=dict(DEFAULT_HOURS), holidays=holidays, country="RU")
    lunch = {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in DEFAULT_HOURS}
    hr = BusinessCalendar(name="HR: 9–18 с обедом 13–14", timezone=zone, hours=lunch, holidays=holidays,
                          country="RU")
    session.add_all([office, hr])
    session.flush()
    priority_rows = list(session.scalars(select(Priority)))
    priorities = {p.code: p.id for p in priority_rows}
    names = {p.code: p.name_ru for p in priority_rows}
    count = 0
    for position, service in enumerate(session.scalars(select(Service).order_by(Service.position, Service.id))):
        factor = SERVICE_FACTOR.get(service.code, 1.5)
        calendar = hr if service.code == "hr" else office
        for code, (first, resolution) in TARGETS.items():
            if code not in priorities:
                continue
            session.add(SlaPolicy(
                name=f"{service.name} · {names[code]}", position=position * 10 + len(priorities),
                conditions={"service_ids": [service.id], "priority_ids": [priorities[code]]},
                first_response_minutes=None if service.code == "ideas" else int(first * factor),
                first_response_calendar_id=calendar.id,
                next_response_minutes=int(first * factor) * 2 if service.code == "it" else None,
                next_response_calendar_id=calendar.id,
                resolution_minutes=int(resolution * factor), resolution_calendar_id=calendar.id))
            count += 1
    # Anything else (a ticket without service or priority): three working days, 24/7 for the first reply.
    session.add(SlaPolicy(name="Остальные заявки", position=10_000, first_response_minutes=8 * 60,
                          resolution_minutes=int(24 * 60 * 1.5), resolution_calendar_id=office.id))
    session.flush()
    return count + 1


@dataclass
class ChunkSla:
    """Per ticket of a chunk: its SLA columns; per clock: the ticket_sla row (`tix` is the chunk-local ticket).
    Arrays; NaN is NULL in the times, -1 in policy_id and the breached flags."""
    columns: dict[str, np.ndarray]  # policy_id, fr_due, res_due, fr_breached, res_breached, due, risk
    clocks: dict[str, np.ndarray]  # tix, policy_id, target, cycle, target_seconds, started, stopped, due, risk,
    #                                elapsed, paused, state (names), breached


def chunk_sla(policies: PolicySet, now: float, created: np.ndarray, matching: list[tuple], placed: dict,
              replies: dict, messages: dict) -> ChunkSla:
    """Every SLA clock of a chunk's tickets, by the batch clock (data/sla/batch.py). `matching[i]`:
    (service_id, request_type_id, priority_id, organisation) as the policy sees ticket i; `placed`: tix, at,
    status (index into history.STATUSES) of the status events sorted by ticket and time (as the store orders
    them); `replies` / `messages`: tix, at of public agent replies and of requester messages, likewise sorted."""
    policy_list, index = [], {}
    chosen = np.full(len(created), -1, np.int64)
    for i, key in enumerate(matching):
        p = policies.match(*key)
        if p is not None:
            if id(p) not in index:
                index[id(p)] = len(policy_list)
                policy_list.append(p)
            chosen[i] = index[id(p)]
    kinds = np.asarray([batch.kind_of(s) for s in STATUSES], np.int8)
    tl = batch.Timelines(np.asarray(created, np.float64), chosen, np.asarray(placed["tix"], np.int64),
                         np.asarray(placed["at"], np.float64), kinds[np.asarray(placed["status"], np.int64)],
                         np.asarray(replies["tix"], np.int64), np.asarray(replies["at"], np.float64),
                         np.asarray(messages["tix"], np.int64), np.asarray(messages["at"], np.float64))
    c = batch.compute(tl, policy_list, now)
    policy_ids = np.asarray([-1] + [p.id for p in policy_list], np.int64)[chosen + 1]
    columns = {"policy_id": policy_ids, **batch.ticket_columns(len(created), c)}
    clocks = {"tix": c.tix, "policy_id": policy_ids[c.tix], "target": np.asarray(batch.TARGETS)[c.target],
              "cycle": c.cycle, "target_seconds": c.target_seconds.astype(np.int64), "started": c.started,
              "stopped": c.stopped, "due": c.due, "risk": c.risk, "elapsed": c.elapsed, "paused": c.paused,
              "state": np.asarray(batch.STATES)[c.state], "breached": c.breached}
    return ChunkSla(columns, clocks)


__all__ = ["seed_policies", "chunk_sla", "ChunkSla"]
