"""When a recurring request is filed: schedules in the company calendar, as people say them.

- `monthly_workday`: the n-th working day of each month (n = 1…23, or -1 for the last one) at a time —
  "every first working day of the month, 09:00"; working days come from a business calendar, so after the
  Russian New Year holidays the first working day of January 2027 is the 11th.
- `weekly`: on some weekdays at a time — "every Monday 09:00"; with `workdays_only` a day off is skipped.
- `cron`: a cron expression in the company's time zone (`0 9 * * 1-5`), for anything else.

Pure: a schedule, a working-day test and a time zone in; instants (UTC-aware datetimes) out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from croniter import croniter

from data.errors import Text, ValidationError
from data.sla.calendars import WEEKDAYS, HoursError, parse_clock

KINDS = ("monthly_workday", "weekly", "cron")
HORIZON_DAYS = 3 * 366  # a schedule with no date in three years is refused, not looped on forever


@dataclass(frozen=True)
class Schedule:
    kind: str
    at: str = "09:00"  # local time of day
    n: int = 1  # monthly_workday: 1…23, or -1 for the last working day
    weekdays: tuple[str, ...] = field(default=("mon",))
    workdays_only: bool = True
    cron: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "at": self.at, "n": self.n, "weekdays": list(self.weekdays),
                "workdays_only": self.workdays_only, "cron": self.cron}


def parse(spec: dict | None) -> Schedule:
    """A schedule from its stored or typed form; a ValidationError names the field that is wrong."""
    spec = spec if isinstance(spec, dict) else {}
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValidationError("errors.schedule.invalid", {"schedule_kind": Text("errors.schedule.kind")})
    errors: dict[str, Text] = {}
    at = str(spec.get("at") or "09:00").strip()
    try:
        if parse_clock(at) >= 1440:
            raise HoursError(Text("errors.hours.not_time", text=at))
    except HoursError as err:
        errors["schedule_at"] = err.text
    try:
        n = int(spec.get("n") if spec.get("n") not in (None, "") else 1)
    except (TypeError, ValueError):
        n = 0
    if kind == "monthly_workday" and not (1 <= n <= 23 or n == -1):
        errors["schedule_n"] = Text("errors.schedule.n")
    weekdays = tuple(d for d in WEEKDAYS if d in set(spec.get("weekdays") or ()))
    if kind == "weekly" and not weekdays:
        errors["schedule_weekdays"] = Text("errors.schedule.weekdays")
    expr = str(spec.get("cron") or "").strip()
    if kind == "cron" and (not croniter.is_valid(expr) or len(expr.split()) != 5):
        errors["schedule_cron"] = Text("errors.schedule.cron")
    if errors:
        raise ValidationError("errors.schedule.invalid", errors)
    return Schedule(kind=kind, at=at, n=n, weekdays=weekdays or ("mon",),
                    workdays_only=bool(spec.get("workdays_only", True)), cron=expr)


def _local(day: date, at: str, zone: ZoneInfo) -> datetime:
    minutes = parse_clock(at)
    return datetime.combine(day, time(minutes // 60, minutes % 60), zone)


def _monthly(s: Schedule, is_working: Callable[[date], bool], zone: ZoneInfo, start: date,
             end: date) -> Iterator[datetime]:
    month = start.replace(day=1)
    while month <= end:
        days, day = [], month
        while day.month == month.month:
            if is_working(day):
                days.append(day)
            day += timedelta(days=1)
        if len(days) >= abs(s.n):
            yield _local(days[s.n - 1] if s.n > 0 else days[-1], s.at, zone)
        month = day  # the first of the next month


def _weekly(s: Schedule, is_working: Callable[[date], bool], zone: ZoneInfo, start: date,
            end: date) -> Iterator[datetime]:
    day = start
    while day <= end:
        if WEEKDAYS[day.weekday()] in s.weekdays and (not s.workdays_only or is_working(day)):
            yield _local(day, s.at, zone)
        day += timedelta(days=1)


def _cron(s: Schedule, is_working: Callable[[date], bool], zone: ZoneInfo, start: date,
          end: date) -> Iterator[datetime]:
    runs = croniter(s.cron, datetime.combine(start, time(0), zone) - timedelta(seconds=1))
    while True:
        moment = runs.get_next(datetime)
        if moment.date() > end:
            return
        if not s.workdays_only or is_working(moment.date()):
            yield moment


def occurrences(s: Schedule, is_working: Callable[[date], bool], timezone_name: str, after: datetime,
                count: int = 5) -> list[datetime]:
    """The next `count` filing times strictly after `after`, in order (fewer if none within the horizon)."""
    zone = ZoneInfo(timezone_name)
    start = after.astimezone(zone).date()
    end = start + timedelta(days=HORIZON_DAYS)
    source = {"monthly_workday": _monthly, "weekly": _weekly, "cron": _cron}[s.kind](s, is_working, zone, start, end)
    found: list[datetime] = []
    for moment in source:
        if len(found) >= count:
            break
        if moment > after:
            found.append(moment)
    return found
