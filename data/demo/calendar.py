"""Time for the simulation: the company's working hours as a clock, and arrival times of requests.

Times are int64/float64 seconds since the Unix epoch (UTC). Local time is the company time zone
(OKNO_TIMEZONE) taken as a fixed UTC offset, so every simulated day has 1440 minutes: exact for
zones without daylight saving, such as the default Europe/Moscow (UTC+3 all year since 2014).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from data.config import company_tz

DAY = 86400
HOLIDAYS = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
OPEN_MINUTE, CLOSE_MINUTE = 8 * 60, 20 * 60  # support works two shifts; requests arrive 9-18 mostly

# Relative arrival intensity per local hour on working days and on weekends/holidays.
# A few requests come in at night (an email sent after midnight, a night-shift warehouse), so the demo has
# events at every hour and the analytics' local-midnight boundaries are exercised.
WORKDAY_HOURS = np.array([.008, .005, .004, .004, .005, .008, .02, .06, .3, 1.0, 1.4, 1.4, 1.15, .9, 1.2, 1.3, 1.1,
                          .8, .25, .12, .08, .05, .03, .01])
OFFDAY_HOURS = np.array([.004, .003, .002, .002, .002, .002, .003, .005, .008, .01, .02, .03, .03, .03, .03, .03, .03,
                         .03, .03, .03, .02, .02, .01, .006])


def local_zone() -> timezone:
    """The company time zone as the fixed UTC offset it has now (see the module docstring)."""
    return timezone(datetime.now(company_tz()).utcoffset())


def utc_offset() -> int:
    """Seconds to add to an epoch time to get local wall-clock seconds."""
    return int(local_zone().utcoffset(None).total_seconds())


def epoch(d: date, t: time = time(0)) -> int:
    return int(datetime.combine(d, t, local_zone()).timestamp())


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def is_workday(d: date) -> bool:
    return d.weekday() < 5 and (d.month, d.day) not in HOLIDAYS


class BusinessClock:
    """Maps wall-clock seconds to cumulative working minutes (Mon–Fri 8–20 local time) and back."""

    def __init__(self, first_day: date, last_day: date):
        self.first_day = first_day
        self.origin = epoch(first_day)
        days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        workday = np.array([is_workday(d) for d in days])
        minute = np.arange(1440)
        in_hours = (minute >= OPEN_MINUTE) & (minute < CLOSE_MINUTE)
        self.open = (workday[:, None] & in_hours[None, :]).ravel()
        self.cum = np.concatenate([[0], np.cumsum(self.open)]).astype(np.float64)
        self.n = len(self.open)
        self.open_minutes = np.flatnonzero(self.open).astype(np.float64)  # k-th working minute -> wall minute

    def to_bus(self, t) -> np.ndarray:
        x = (np.asarray(t, dtype=np.float64) - self.origin) / 60.0
        i = np.clip(np.floor(x).astype(np.int64), 0, self.n - 1)
        return self.cum[i] + self.open[i] * np.clip(x - i, 0.0, 1.0)

    def from_bus(self, b) -> np.ndarray:
        b = np.clip(np.asarray(b, dtype=np.float64), 0.0, len(self.open_minutes) - 1e-6)
        k = b.astype(np.int64)
        return self.origin + (self.open_minutes[k] + (b - k)) * 60.0


def sample_arrivals(rng: np.random.Generator, n: int, start: int, now: int, first_month: date,
                    month_rate) -> np.ndarray:
    """n sorted arrival times in [start, now).

    Hour bins are weighted by the working-day profile, then normalised per calendar month and
    multiplied by month_rate(month_start_date), so every full month gets the same expected share
    whatever its holidays, and the rate can step up (the go-live).
    """
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    end_day = datetime.fromtimestamp(now, local_zone()).date()
    last = add_months(date(end_day.year, end_day.month, 1), 1)
    days = [first_month + timedelta(days=i) for i in range((last - first_month).days)]
    weights = np.array([WORKDAY_HOURS if is_workday(d) else OFFDAY_HOURS for d in days]).ravel()
    month_of_bin = np.repeat([(d.year - first_month.year) * 12 + d.month - first_month.month for d in days], 24)
    months = [add_months(first_month, k) for k in range(month_of_bin[-1] + 1)]
    totals = np.bincount(month_of_bin, weights=weights)
    rates = np.array([month_rate(m) for m in months])
    weights = weights / totals[month_of_bin] * rates[month_of_bin]
    bin_start = epoch(first_month) + np.arange(len(weights), dtype=np.int64) * 3600
    width = np.clip(np.minimum(bin_start + 3600, now) - np.maximum(bin_start, start), 0, 3600)
    weights = weights * width / 3600.0
    chosen = rng.choice(len(weights), size=n, p=weights / weights.sum())
    t = np.maximum(bin_start[chosen], start) + rng.random(n) * width[chosen]
    return np.sort(np.minimum(t.astype(np.int64), now - 1))
