"""Admin service functions for business calendars and SLA policies (role admin), with validation.

Saving a policy or a calendar recomputes the SLA of open tickets in the same transaction, so the
board shows the new due times at once; closed tickets keep theirs until `python -m data sla-backfill`.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import audit
from data.sla import recompute as sla
from data.db import require_row
from data.permissions import require_admin
from data.sla.calendars import WEEKDAYS, HoursError, parse_intervals
from data.errors import NotFound, Text, ValidationError
from data.models import BusinessCalendar, ProductionYear, SlaPolicy, User
from data.sla import production
from data.sla.production_formats import parse as parse_production


def _admin(actor: User | None) -> None:
    require_admin(actor, "errors.action.configure_sla")


def parse_dates(text_value: str, field: str) -> list[date]:
    """Dates one per line or comma-separated, as 2026-01-07 or 07.01.2026."""
    result = []
    for part in (text_value or "").replace(",", "\n").split():
        part = part.strip()
        try:
            if "." in part:
                d, m, y = part.split(".")
                result.append(date(int(y), int(m), int(d)))
            else:
                result.append(date.fromisoformat(part))
        except ValueError:
            raise ValidationError("errors.not_a_date", {field: Text("errors.field.not_a_date", text=part)},
                                  text=part) from None
    return sorted(set(result))


def save_calendar(session: Session, actor: User | None, calendar_id: int | None, *, name: str, timezone: str,
                  hours: dict[str, str], holidays: str = "", extra_days: str = "", short_days: str = "",
                  country: str | None = None) -> BusinessCalendar:
    """hours: {"mon": "09:00-13:00, 14:00-18:00", ...} as typed by the admin; country: "RU" to follow the
    Russian production calendar (its days off, working Saturdays and shortened days), None for none."""
    _admin(actor)
    errors: dict[str, Text] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = Text("errors.field.required")
    try:
        ZoneInfo((timezone or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = Text("errors.calendar.timezone")
    parsed = {}
    for day in WEEKDAYS:
        try:
            parsed[day] = parse_intervals(hours.get(day) or "")
        except HoursError as err:
            errors[day] = err.text
    if not errors and not any(parsed.values()):
        errors["mon"] = Text("errors.calendar.no_hours")
    dup = session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == name,
                                                           BusinessCalendar.id != (calendar_id or 0)))
    if dup:
        errors["name"] = Text("errors.calendar.name_taken")
    holiday_list, extra_list = parse_dates(holidays, "holidays"), parse_dates(extra_days, "extra_days")
    short_list = parse_dates(short_days, "short_days")
    country = (country or "").strip().upper() or None
    if country and country not in production.COUNTRIES:
        errors["country"] = Text("errors.production.country")
    if errors:
        raise ValidationError("errors.correct_calendar", errors)
    cal = session.get(BusinessCalendar, calendar_id) if calendar_id else BusinessCalendar()
    if cal is None:
        raise NotFound("errors.calendar_deleted")
    before = audit.snapshot(cal)
    cal.name, cal.timezone, cal.hours = name, timezone.strip(), parsed
    cal.holidays, cal.extra_days, cal.short_days, cal.country = holiday_list, extra_list, short_list, country
    cal.updated_at = func.clock_timestamp()
    session.add(cal)
    session.flush()
    audit.saved(session, actor, "calendar", cal, before)
    sla.recompute_open_tickets(session)
    return cal


def get_calendar(session: Session, actor: User | None, calendar_id: int) -> BusinessCalendar:
    """One calendar, to edit it (admins only)."""
    _admin(actor)
    return require_row(session, BusinessCalendar, calendar_id, "errors.calendar_deleted")


def delete_calendar(session: Session, actor: User | None, calendar_id: int) -> None:
    """Targets on the calendar become 24/7 (the foreign keys are ON DELETE SET NULL)."""
    _admin(actor)
    if audit.delete(session, actor, "calendar", BusinessCalendar, calendar_id):
        sla.recompute_open_tickets(session)


POSITION_STEP = 10  # room to slot a policy between two others without renumbering


def next_position(session: Session) -> int:
    """Where a new policy goes by default: after every existing one (max + 10), so it never jumps ahead of
    a more specific policy by accident."""
    return (session.scalar(select(func.max(SlaPolicy.position))) or 0) + POSITION_STEP


def save_policy(session: Session, actor: User | None, policy_id: int | None, *, name: str, position: int | None = None,
                is_active: bool = True, conditions: dict | None = None, targets: dict | None = None,
                at_risk_share: float | None = 0.2, at_risk_minutes: int | None = 60) -> SlaPolicy:
    """targets: {"first_response": (minutes, calendar_id | None), "resolution": ..., "next_response": ...}.
    No position: a new policy goes last (next_position), an existing one keeps its place."""
    _admin(actor)
    errors: dict[str, Text] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = Text("errors.field.required")
    targets = targets or {}
    for key, (minutes, _) in targets.items():
        if minutes is not None and (not isinstance(minutes, int) or minutes <= 0):
            errors[key] = Text("errors.policy.minutes")
    if not errors and not any(m for m, _ in targets.values()):
        errors["first_response"] = Text("errors.policy.no_target")
    share = 0.2 if at_risk_share is None else at_risk_share
    if not 0 < share < 1:
        errors["at_risk_share"] = Text("errors.policy.share")
    if at_risk_minutes is not None and at_risk_minutes < 0:
        errors["at_risk_minutes"] = Text("errors.policy.negative_minutes")
    if errors:
        raise ValidationError("errors.correct_policy", errors)
    p = session.get(SlaPolicy, policy_id) if policy_id else SlaPolicy()
    if p is None:
        raise NotFound("errors.policy_deleted")
    before = audit.snapshot(p)
    if position is None:
        position = p.position if p.id is not None else next_position(session)
    p.name, p.position, p.is_active = name, int(position), bool(is_active)
    p.conditions = {k: list(v) for k, v in (conditions or {}).items() if v}
    for key in ("first_response", "next_response", "resolution"):
        minutes, calendar_id = targets.get(key, (None, None))
        setattr(p, f"{key}_minutes", minutes)
        setattr(p, f"{key}_calendar_id", calendar_id if minutes else None)
    p.at_risk_share, p.at_risk_minutes = share, at_risk_minutes
    p.updated_at = func.clock_timestamp()
    session.add(p)
    session.flush()
    audit.saved(session, actor, "sla_policy", p, before)
    sla.recompute_open_tickets(session)
    return p


def get_policy(session: Session, actor: User | None, policy_id: int) -> SlaPolicy:
    """One SLA policy, to edit it (admins only)."""
    _admin(actor)
    return require_row(session, SlaPolicy, policy_id, "errors.policy_deleted")


def delete_policy(session: Session, actor: User | None, policy_id: int) -> None:
    _admin(actor)
    if audit.delete(session, actor, "sla_policy", SlaPolicy, policy_id):
        sla.recompute_open_tickets(session)


def calendars(session: Session) -> list[BusinessCalendar]:
    return list(session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))


def policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def import_production_calendar(session: Session, actor: User | None, country: str, content: bytes,
                               filename: str) -> list[int]:
    """Store every year of an official production-calendar file (XML or CSV), replacing earlier imports of
    those years; open tickets' clocks follow at once. Returns the years."""
    _admin(actor)
    if country not in production.COUNTRIES:
        raise ValidationError("errors.production.country", {"country": Text("errors.production.country")})
    years = parse_production(content)
    for year, days in sorted(years.items()):
        row = production.store_year(session, country, days, filename, actor.id if actor else None)
        audit.record(session, actor, "production_year.imported", ("production_year", f"{country}-{year}", row.source),
                     after={"off": len(days.off), "work": len(days.work), "short": len(days.short)})
    sla.recompute_open_tickets(session)
    return sorted(years)


def forget_production_year(session: Session, actor: User | None, country: str, year: int) -> None:
    """Drop an imported year: the built-in one applies again."""
    _admin(actor)
    row = session.get(ProductionYear, (country, year))
    if row is None:
        return
    audit.record(session, actor, "production_year.forgotten", ("production_year", f"{country}-{year}", row.source))
    session.delete(row)
    session.flush()
    sla.recompute_open_tickets(session)
