"""SLA for the demo company: business calendars, a policy per service and priority, then the SLA of
every demo ticket computed from its simulated history (so the board shows green/amber/red timers
and analytics can chart met vs breached)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.sla import policies as sla_policies
from data.sla import store as sla_store
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


def apply(session: Session, batch: int = 5000) -> dict:
    """Seed the policies and compute every ticket's SLA in the caller's transaction."""
    policies = seed_policies(session)
    policy_set = sla_policies.load(session)
    lo, hi = session.execute(text("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM tickets")).one()
    for start in range(lo, hi + 1, batch):
        ids = list(session.scalars(text("SELECT id FROM tickets WHERE id >= :a AND id < :b ORDER BY id"),
                                   {"a": start, "b": start + batch}))
        sla_store.recompute(session, ids, policy_set)
    return {"sla_policies": policies}


__all__ = ["seed_policies", "apply"]
