"""SLA policies as the clock needs them: conditions to match a ticket, targets on calendars.

A PolicySet is loaded once per transaction (or once per backfill) with every active policy in
order; `match()` returns the first whose conditions all hold (an empty condition matches anything).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.sla import production
from data.sla.calendars import Calendar
from data.models import BusinessCalendar, SlaPolicy
from data.sla.clock import Target, risk_seconds

TARGET_NAMES = ("first_response", "next_response", "resolution")
# Calendar objects keep their UTC index between transactions; the key changes when the calendar is edited.
_calendar_cache: dict[tuple, Calendar] = {}
# The SLA of tickets this old is still recomputed by a backfill, so the production calendar covers them.
PRODUCTION_YEARS_BACK = 10


def calendar_from_row(session: Session, row: BusinessCalendar) -> Calendar:
    """The clock's calendar: the row's own days plus, when it follows a country, that production calendar."""
    key = (row.id, row.updated_at, production.stamp(session) if row.country else None)
    cal = _calendar_cache.get(key)
    if cal is None:
        if len(_calendar_cache) > 200:
            _calendar_cache.clear()
        holidays, extra, short = set(row.holidays or ()), set(row.extra_days or ()), set(row.short_days or ())
        if row.country:
            this_year = date.today().year
            imported = [y.year for y in production.imported_years(session, row.country)]
            country = production.span(session, row.country, min([this_year - PRODUCTION_YEARS_BACK, *imported]),
                                      max([this_year + 2, *imported]))
            holidays |= country.off
            extra |= country.work - holidays
            short |= country.short
        cal = Calendar(timezone=row.timezone, hours=dict(row.hours or {}), holidays=frozenset(holidays),
                       extra_days=frozenset(extra), short_days=frozenset(short))
        _calendar_cache[key] = cal
    return cal


@dataclass
class Policy:
    id: int
    name: str
    conditions: dict
    targets: dict[str, Target]

    def matches(self, service_id, request_type_id, priority_id, organisation) -> bool:
        c = self.conditions or {}
        checks = (("service_ids", service_id), ("request_type_ids", request_type_id), ("priority_ids", priority_id))
        for key, value in checks:
            if c.get(key) and value not in c[key]:
                return False
        orgs = [o.strip().lower() for o in c.get("organisations") or () if o and o.strip()]
        return not orgs or (organisation or "").strip().lower() in orgs


class PolicySet:
    def __init__(self, policies: list[Policy]):
        self.policies = policies
        self._memo: dict[tuple, Policy | None] = {}  # few distinct combinations, millions of tickets
        # Whether a ticket's organisation can change which policy it gets (a batch reads it only then).
        self.uses_organisation = any(o and o.strip() for p in policies for o in (p.conditions or {}).get("organisations")
                                     or ())

    def match(self, service_id, request_type_id, priority_id, organisation) -> Policy | None:
        key = (service_id, request_type_id, priority_id, organisation)
        if key not in self._memo:
            self._memo[key] = next((p for p in self.policies
                                    if p.matches(service_id, request_type_id, priority_id, organisation)), None)
        return self._memo[key]


def load(session: Session) -> PolicySet:
    calendars = {c.id: calendar_from_row(session, c) for c in session.scalars(select(BusinessCalendar))}
    policies = []
    for row in session.scalars(select(SlaPolicy).where(SlaPolicy.is_active)
                               .order_by(SlaPolicy.position, SlaPolicy.id)):
        targets = {}
        for name in TARGET_NAMES:
            minutes = getattr(row, f"{name}_minutes")
            if minutes:
                seconds = minutes * 60.0
                targets[name] = Target(name, seconds, calendars.get(getattr(row, f"{name}_calendar_id")),
                                       risk_seconds(seconds, row.at_risk_share, row.at_risk_minutes))
        if targets:
            policies.append(Policy(row.id, row.name, dict(row.conditions or {}), targets))
    return PolicySet(policies)


_FINGERPRINT = text("""SELECT (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') || '/' || coalesce(sum(id), 0)
                             FROM sla_policies),
                            (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM business_calendars),
                            (SELECT count(*) || '/' || coalesce(max(imported_at)::text, '') FROM production_years)""")


def for_session(session: Session) -> PolicySet:
    """The policy set, reloaded only when policies or calendars changed (one cheap query per change).
    A channel worker's batch (session.info["okno_batch"]) checks once per batch, not once per message."""
    cached = session.info.get("okno_sla_policies")
    if cached is not None and session.info.get("okno_batch"):
        return cached[1]
    session.flush()
    stamp = tuple(session.execute(_FINGERPRINT).one())
    cached = session.info.get("okno_sla_policies")
    if cached is None or cached[0] != stamp:
        cached = session.info["okno_sla_policies"] = (stamp, load(session))
    return cached[1]
