"""Business calendars: working intervals per weekday in a time zone, holidays and extra working days.

Pure maths, no database: `add(calendar, instant, seconds)` (when does a target of N business seconds
fall due) and `between(calendar, a, b)` (business seconds between two instants); `add_array` and
`between_array` do the same for arrays of instants. `None` as the
calendar means 24/7. Both work on an index of the calendar's working intervals converted to UTC
(daylight saving time is applied day by day by zoneinfo), with the cumulative business seconds
before each interval, so every call is two binary searches however long the span is.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from data.config import get_config
from data.errors import Text

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Nine to six on weekdays: the calendar a new install starts with.
DEFAULT_HOURS = {d: [["09:00", "18:00"]] for d in WEEKDAYS[:5]}
# Labor Code art. 95: the working day before a public holiday is one hour shorter.
SHORT_DAY_MINUTES = 60


class HoursError(ValueError):
    """Working hours as an admin typed them that do not parse; `text` says why, in any language."""

    def __init__(self, text: Text):
        self.text = text
        super().__init__(str(text))


def parse_clock(text: str) -> int:
    """'09:30' → minutes after midnight; '24:00' is allowed as the end of a day."""
    hours, _, minutes = str(text).strip().partition(":")
    try:
        value = int(hours) * 60 + int(minutes or 0)
    except ValueError:
        raise HoursError(Text("errors.hours.not_time", text=str(text).strip())) from None
    if not 0 <= value <= 1440 or not 0 <= int(minutes or 0) < 60:
        raise HoursError(Text("errors.hours.not_time", text=str(text).strip()))
    return value


def parse_intervals(text: str) -> list[list[str]]:
    """'09:00-13:00, 14:00-18:00' → [['09:00','13:00'], ['14:00','18:00']]; raises HoursError."""
    result = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise HoursError(Text("errors.hours.not_interval", text=part.strip()))
        a, b = parse_clock(start), parse_clock(end)
        if a >= b:
            raise HoursError(Text("errors.hours.backwards", text=part.strip()))
        result.append([f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"])
    result.sort()
    for (_, end), (start, _) in zip(result, result[1:]):
        if parse_clock(start) < parse_clock(end):
            raise HoursError(Text("errors.hours.overlap"))
    return result


@dataclass
class Calendar:
    """hours: {'mon': [['09:00','13:00'], ['14:00','18:00']], ...}; extra working days use `extra_hours`
    (Monday's intervals when not given), since the production calendar moves a weekday's work to a Saturday;
    a shortened day (the eve of a public holiday) ends its last interval an hour early."""

    timezone: str = field(default_factory=lambda: get_config().timezone)  # the company's unless given
    hours: dict = field(default_factory=lambda: dict(DEFAULT_HOURS))
    holidays: frozenset[date] = frozenset()
    extra_days: frozenset[date] = frozenset()
    short_days: frozenset[date] = frozenset()
    extra_hours: list | None = None
    _index: _Index | None = field(default=None, repr=False, compare=False)

    def day_intervals(self, day: date) -> list[tuple[int, int]]:
        """Working intervals of a local date, in minutes after midnight."""
        if day in self.holidays:
            return []
        if day in self.extra_days:
            spans = self.extra_hours or self.hours.get("mon") or next((v for v in self.hours.values() if v), [])
        else:
            spans = self.hours.get(WEEKDAYS[day.weekday()]) or []
        intervals = [(parse_clock(a), parse_clock(b)) for a, b in spans]
        if day in self.short_days:
            intervals = _shortened(intervals, SHORT_DAY_MINUTES)
        return intervals

    def index(self, lo: float, hi: float) -> _Index:
        """The UTC index covering [lo, hi] (lo <= hi), built or widened on demand."""
        idx = self._index
        if idx is None or lo < idx.lo or hi > idx.hi:
            idx = self._index = _Index(self, lo, hi, idx)
        return idx


def _shortened(intervals: list[tuple[int, int]], minutes: int) -> list[tuple[int, int]]:
    """The day's intervals with `minutes` taken off the end (across intervals when the last is shorter)."""
    out = list(intervals)
    while minutes > 0 and out:
        start, end = out.pop()
        cut = min(minutes, end - start)
        minutes -= cut
        if end - cut > start:
            out.append((start, end - cut))
    return out


class _Index:
    """Working intervals as UTC epoch seconds, sorted, with cumulative business seconds before each."""

    def __init__(self, cal: Calendar, lo: float, hi: float, old: _Index | None = None):
        if old is not None:  # grow generously so that repeated extension stays rare
            lo, hi = min(lo, old.lo - 365 * 86400), max(hi, old.hi + 365 * 86400)
        zone = ZoneInfo(cal.timezone)
        first = datetime.fromtimestamp(lo, timezone.utc).date() - timedelta(days=2)
        last = datetime.fromtimestamp(hi, timezone.utc).date() + timedelta(days=2)
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.cum: list[float] = []  # business seconds before interval i
        self.cum_end: list[float] = []  # business seconds at the end of interval i
        total = 0.0
        day = first
        while day <= last:
            for a, b in cal.day_intervals(day):
                start = _local(day, a, zone)
                end = _local(day, b, zone)
                if end <= start:
                    continue
                self.starts.append(start)
                self.ends.append(end)
                self.cum.append(total)
                total += end - start
                self.cum_end.append(total)
            day += timedelta(days=1)
        self.lo = datetime.combine(first + timedelta(days=1), time(0), timezone.utc).timestamp()
        self.hi = datetime.combine(last - timedelta(days=1), time(0), timezone.utc).timestamp()
        self.total = total
        self._arrays: tuple | None = None

    def arrays(self) -> tuple:
        """starts, ends, cum, cum_end as numpy arrays, for data/sla/batch.py (built once per index)."""
        if self._arrays is None:
            self._arrays = tuple(np.asarray(v, dtype=np.float64) for v in (self.starts, self.ends, self.cum,
                                                                            self.cum_end))
        return self._arrays

    def position(self, t: float) -> float:
        """Business seconds from the start of the index to instant t."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(t - self.starts[i], self.ends[i] - self.starts[i])

    def instant(self, x: float) -> float | None:
        """The earliest instant at which `x` business seconds have passed; None beyond the index."""
        i = bisect.bisect_left(self.cum_end, x)
        if i >= len(self.starts):
            return None
        return self.starts[i] + max(0.0, x - self.cum[i])


def _local(day: date, minutes: int, zone: ZoneInfo) -> float:
    base = datetime.combine(day, time(0), zone) if minutes < 1440 else \
        datetime.combine(day + timedelta(days=1), time(0), zone)
    wall = base.replace(hour=(minutes % 1440) // 60, minute=minutes % 60)
    return wall.timestamp()


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("instants must carry a time zone")
    return moment.timestamp()


def between_ts(cal: Calendar | None, a: float, b: float) -> float:
    if b <= a:
        return 0.0
    if cal is None:
        return b - a
    idx = cal.index(a, b)
    return idx.position(b) - idx.position(a)


def add_ts(cal: Calendar | None, a: float, seconds: float) -> float:
    if cal is None or seconds <= 0:
        return a + max(seconds, 0.0) if cal is None else a
    horizon = a + max(seconds * 4, 14 * 86400)
    for _ in range(12):  # widen the index until the target fits (a year of holidays is fine)
        idx = cal.index(a, horizon)
        moment = idx.instant(idx.position(a) + seconds)
        if moment is not None:
            return moment
        horizon += 365 * 86400
    raise ValueError("the calendar has no working time in the next years")


def between(cal: Calendar | None, a: datetime, b: datetime) -> timedelta:
    """Business time between two instants (zero when b is before a)."""
    return timedelta(seconds=between_ts(cal, _ts(a), _ts(b)))


def add(cal: Calendar | None, start: datetime, duration: timedelta) -> datetime:
    """The instant when `duration` of business time has passed since `start` (UTC)."""
    return datetime.fromtimestamp(add_ts(cal, _ts(start), duration.total_seconds()), timezone.utc)


# ---- the same for arrays of instants on one calendar (data/sla/batch.py), with the same float operations ----

def _positions(arrays: tuple, t: np.ndarray) -> np.ndarray:
    starts, ends, cum, _ = arrays
    if not len(starts):
        return np.zeros(len(t))
    i = np.searchsorted(starts, t, "right") - 1
    j = np.maximum(i, 0)
    return np.where(i < 0, 0.0, cum[j] + np.minimum(t - starts[j], ends[j] - starts[j]))


def between_array(cal: Calendar, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """between_ts for every pair (a[k], b[k]) with b > a."""
    arrays = cal.index(float(a.min()), float(b.max())).arrays()
    return _positions(arrays, b) - _positions(arrays, a)


def add_array(cal: Calendar, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """add_ts for every (a[k], x[k]) with x > 0."""
    out = np.empty(len(a))
    lo, hi = float(a.min()), float((a + np.maximum(x * 4, 14 * 86400)).max())
    todo = np.arange(len(a))
    for _ in range(12):  # widen the index until every target fits
        arrays = cal.index(lo, hi).arrays()
        starts, _, cum, cum_end = arrays
        pos = _positions(arrays, a[todo]) + x[todo]
        i = np.searchsorted(cum_end, pos, "left")
        ok = i < len(starts)
        out[todo[ok]] = starts[i[ok]] + np.maximum(0.0, pos[ok] - cum[i[ok]])
        todo = todo[~ok]
        if not len(todo):
            return out
        hi += 365 * 86400
    raise ValueError("the calendar has no working time in the next years")
