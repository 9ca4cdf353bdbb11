"""Recurring requests: a template that files itself on a schedule (data/intake/schedules.py).

Staff who change tickets (agents, managers, admins) define them; every change is in the audit log.
`file_due(session, now)` — the periodic job `recurring_requests` (data/jobs.py), once a minute — files each
occurrence that has come, exactly once: the occurrence's row in recurring_runs is inserted first
(`ON CONFLICT DO NOTHING`) and only the transaction that inserted it submits the request, in the same
transaction; a worker that dies before committing leaves neither, and the next tick files it. Occurrences
missed while no worker ran are filed when one comes back (at most CATCH_UP per template per tick).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session, object_session

from data import audit
from data.db import require_row
from data.errors import OknoError, Text, ValidationError
from data.i18n import N_
from data.intake import requesters, schedules, submit as intake
from data.models import BusinessCalendar, RecurringRequest, User
from data.permissions import STAFF_WRITERS, require_role
from data.sla import policies, production
from data.sla.calendars import DEFAULT_HOURS, Calendar
from data.tickets import actions as tickets

log = logging.getLogger(__name__)
CATCH_UP = 12
PREVIEW = 5
ACTION = N_("errors.action.recurring")
DELETED = N_("errors.recurring.deleted")


def _staff(actor: User | None) -> User:
    return require_role(actor, STAFF_WRITERS, ACTION)


def working_day_test(session: Session, calendar_id: int | None):
    """(is the day a working day?, time zone) by the template's calendar; none: 9–18 on the Russian calendar."""
    row = session.get(BusinessCalendar, calendar_id) if calendar_id else None
    if row is not None:
        cal = policies.calendar_from_row(session, row)
    else:
        this_year = date.today().year
        russia = production.span(session, "RU", this_year - 1, this_year + 3)
        cal = Calendar(hours=dict(DEFAULT_HOURS), holidays=frozenset(russia.off), extra_days=frozenset(russia.work))
    return (lambda day: bool(cal.day_intervals(day))), cal.timezone


def preview(session: Session, actor: User | None, schedule: dict, calendar_id: int | None,
            after: datetime | None = None, count: int = PREVIEW) -> list[datetime]:
    """The next filing times of a schedule as typed (ValidationError when it is not a schedule)."""
    _staff(actor)
    parsed = schedules.parse(schedule)
    is_working, zone = working_day_test(session, calendar_id)
    return schedules.occurrences(parsed, is_working, zone, after or datetime.now(timezone.utc), count)


def parse_values(text_value: str | dict | None) -> dict:
    """Form values typed one per line as key=value (a dict passes through)."""
    if isinstance(text_value, dict):
        return text_value
    values = {}
    for line in (text_value or "").splitlines():
        key, sep, value = line.partition("=")
        if line.strip() and not sep:
            raise ValidationError("errors.recurring.values", {"fields": Text("errors.recurring.values")})
        if key.strip():
            values[key.strip()] = value.strip()
    return values


def save(session: Session, actor: User | None, recurring_id: int | None, *, name: str, service_id, request_type_id,
         title: str, description: str = "", fields=None, requester_email: str, assignee_id=None,
         schedule: dict, calendar_id=None, is_active: bool = True, now: datetime | None = None) -> RecurringRequest:
    """Create or change a template; the form values are checked against the request type's form now, so a
    template that could never be filed is refused here rather than failing on its first date."""
    actor = _staff(actor)
    errors: dict[str, Text] = {}
    name, title = (name or "").strip(), (title or "").strip()
    if not name:
        errors["name"] = Text("errors.field.required")
    if not title:
        errors["title"] = Text("errors.field.required")
    try:
        parsed = schedules.parse(schedule)
    except ValidationError as err:
        errors.update(err.fields)
        parsed = None
    values: dict = {}
    try:
        service, rt = intake.service_and_type(session, service_id, request_type_id)
        values = parse_values(fields)
        if rt is not None:
            values = intake.validate(session, rt, values)
        elif values:
            errors["fields"] = Text("form.unknown_field")
    except ValidationError as err:
        errors.update(err.fields)
        service = rt = None
    try:
        email = requesters.normalise_email(requester_email or "")
    except ValidationError:
        email = ""
    if "@" not in email:
        errors["requester_email"] = Text("errors.field.email")
    assignee = session.get(User, int(assignee_id)) if str(assignee_id or "").isdigit() else None
    if assignee_id not in (None, "") and (assignee is None or assignee.role not in STAFF_WRITERS
                                          or not assignee.is_active):
        errors["assignee"] = Text("errors.field.invalid")
    calendar = session.get(BusinessCalendar, int(calendar_id)) if str(calendar_id or "").isdigit() else None
    if calendar_id not in (None, "") and calendar is None:
        errors["calendar"] = Text("errors.field.invalid")
    if errors:
        raise ValidationError("errors.recurring.invalid", errors)
    row = require_row(session, RecurringRequest, recurring_id, DELETED) if recurring_id \
        else RecurringRequest(created_by_id=actor.id)
    before = audit.snapshot(row)
    requester = requesters.find_or_create_by_email(session, email, None)
    row.name, row.title, row.description = name[:200], title[:500], description or ""
    row.service_id, row.request_type_id, row.fields = service.id, rt.id if rt else None, values
    row.requester_id, row.assignee_id = requester.id, assignee.id if assignee else None
    row.schedule, row.calendar_id, row.is_active = parsed.as_dict(), calendar.id if calendar else None, bool(is_active)
    session.add(row)
    session.flush()
    is_working, zone = working_day_test(session, row.calendar_id)
    upcoming = schedules.occurrences(parsed, is_working, zone, now or datetime.now(timezone.utc), 1)
    row.next_at = upcoming[0] if upcoming and row.is_active else None
    session.flush()
    audit.saved(session, actor, "recurring_request", row, before)
    return row


def delete(session: Session, actor: User | None, recurring_id: int) -> None:
    audit.delete(session, _staff(actor), "recurring_request", RecurringRequest, recurring_id)


def get(session: Session, actor: User | None, recurring_id: int) -> RecurringRequest:
    _staff(actor)
    return require_row(session, RecurringRequest, recurring_id, DELETED)


def requester_email(row: RecurringRequest) -> str:
    """The address the template files on behalf of (its requester's first email)."""
    addresses = requesters.addresses(object_session(row), row.requester_id)
    return addresses[0] if addresses else ""


def listing(session: Session, actor: User | None) -> list[dict]:
    """Every template with its service and its last filing (ticket number or error)."""
    _staff(actor)
    found = session.execute(text("""
        SELECT r.id, r.name, r.is_active, r.next_at, r.schedule, s.name AS service,
               last.occurrence AS last_at, t.number AS last_number, last.error AS last_error
        FROM recurring_requests r JOIN services s ON s.id = r.service_id
        LEFT JOIN LATERAL (SELECT * FROM recurring_runs u WHERE u.recurring_id = r.id
                           ORDER BY u.occurrence DESC LIMIT 1) last ON true
        LEFT JOIN tickets t ON t.id = last.ticket_id
        ORDER BY r.name, r.id"""))
    return [dict(r._mapping) for r in found]


def _title(row: RecurringRequest, occurrence: datetime, zone: str) -> str:
    """{date} → 11.01.2027 and {period} → 01.2027, in the calendar's time zone."""
    local = occurrence.astimezone(ZoneInfo(zone))
    return (row.title.replace("{date}", local.strftime("%d.%m.%Y"))
            .replace("{period}", local.strftime("%m.%Y")))[:500]


def file_due(session: Session, now: datetime | None = None) -> int:
    """File every occurrence that has come; returns how many requests were filed."""
    now = now or datetime.now(timezone.utc)
    filed = 0
    due = session.scalars(select(RecurringRequest).where(RecurringRequest.is_active,
                                                         RecurringRequest.next_at <= now)
                          .order_by(RecurringRequest.next_at).with_for_update(skip_locked=True))
    for row in due:
        is_working, zone = working_day_test(session, row.calendar_id)
        parsed = schedules.parse(row.schedule)
        occurrence = row.next_at
        for _ in range(CATCH_UP):
            if occurrence is None or occurrence > now:
                break
            filed += _file_once(session, row, occurrence, zone)
            upcoming = schedules.occurrences(parsed, is_working, zone, occurrence, 1)
            occurrence = upcoming[0] if upcoming else None
        row.next_at = occurrence
        session.flush()
    return filed


def _file_once(session: Session, row: RecurringRequest, occurrence: datetime, zone: str) -> int:
    inserted = session.execute(text("""
        INSERT INTO recurring_runs (recurring_id, occurrence) VALUES (:r, :o)
        ON CONFLICT DO NOTHING RETURNING recurring_id"""), {"r": row.id, "o": occurrence}).first()
    if inserted is None:
        return 0  # another worker filed it
    requester = requesters.get(session, row.requester_id)
    try:
        with session.begin_nested():
            ticket = intake.submit(session, requester, service_id=row.service_id, request_type_id=row.request_type_id,
                                   title=_title(row, occurrence, zone), description=row.description,
                                   values=dict(row.fields or {}), channel="agent", auto_reply=False)
            if row.assignee_id:
                tickets.assign(session, None, ticket.id, row.assignee_id)
    except OknoError as err:  # e.g. the service was switched off: recorded on the run, shown on the page
        message = err.message("en")
        log.warning("recurring request %s (%s) not filed for %s: %s", row.id, row.name, occurrence, message)
        session.execute(text("UPDATE recurring_runs SET error = :e WHERE recurring_id = :r AND occurrence = :o"),
                        {"e": message[:500], "r": row.id, "o": occurrence})
        return 0
    session.execute(text("UPDATE recurring_runs SET ticket_id = :t WHERE recurring_id = :r AND occurrence = :o"),
                    {"t": ticket.id, "r": row.id, "o": occurrence})
    log.info("recurring request %s (%s) filed #%s for %s", row.id, row.name, ticket.number, occurrence)
    return 1
