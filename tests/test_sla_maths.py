"""The SLA maths on hand-built timelines with known answers (business calendars, pauses, reopen, DST)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from data.sla.calendars import Calendar, add, between, parse_intervals
from data.sla.clock import Target, Timeline, compute, risk_seconds

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NINE_SIX = Calendar()  # Monday to Friday 9–18 Moscow


def msk(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


def ts(moment: datetime) -> float:
    return moment.timestamp()


def at(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc).astimezone(MSK)


def target(name, minutes, cal=NINE_SIX, risk=None):
    seconds = minutes * 60.0
    return Target(name, seconds, cal, risk if risk is not None else risk_seconds(seconds, 0.2, 60))


def test_friday_evening_first_response_falls_due_monday_morning():
    assert add(NINE_SIX, msk(2026, 11, 20, 17, 55), timedelta(minutes=10)) == msk(2026, 11, 23, 9, 5)
    tl = Timeline(ts(msk(2026, 11, 20, 17, 55)), [(ts(msk(2026, 11, 20, 17, 55)), "queue")], [], [])
    clock = compute(tl, {"first_response": target("first_response", 10)}, ts(msk(2026, 11, 20, 18, 30)))[0]
    assert at(clock.due_at) == msk(2026, 11, 23, 9, 5)
    assert clock.state == "running" and clock.elapsed == 300


def test_holiday_is_skipped():
    cal = Calendar(holidays=frozenset({date(2026, 11, 4)}))
    assert add(cal, msk(2026, 11, 3, 17, 0), timedelta(hours=2)) == msk(2026, 11, 5, 10, 0)
    assert between(cal, msk(2026, 11, 3, 17, 0), msk(2026, 11, 5, 10, 0)) == timedelta(hours=2)


def test_extra_working_saturday_counts():
    cal = Calendar(extra_days=frozenset({date(2026, 11, 21)}))
    assert add(cal, msk(2026, 11, 20, 17, 0), timedelta(hours=2)) == msk(2026, 11, 21, 10, 0)


def test_lunch_break_is_not_working_time():
    cal = Calendar(hours={d: parse_intervals("09:00-13:00, 14:00-18:00") for d in ("mon", "tue", "wed", "thu", "fri")})
    assert add(cal, msk(2026, 11, 17, 12, 30), timedelta(hours=1)) == msk(2026, 11, 17, 14, 30)
    assert between(cal, msk(2026, 11, 17, 12, 0), msk(2026, 11, 17, 15, 0)) == timedelta(hours=2)


def test_waiting_for_requester_pauses_the_clock():
    """8 business hours; 3 h run on Tuesday before waiting 12:00–Wednesday 10:00; 5 h left → Wed 15:00."""
    created = msk(2026, 11, 17, 9, 0)
    tl = Timeline(ts(created), [(ts(created), "in_progress"), (ts(msk(2026, 11, 17, 12, 0)), "waiting"),
                                (ts(msk(2026, 11, 18, 10, 0)), "in_progress")], [], [])
    clock = compute(tl, {"resolution": target("resolution", 8 * 60)}, ts(msk(2026, 11, 18, 11, 0)))[0]
    assert at(clock.due_at) == msk(2026, 11, 18, 15, 0)
    assert clock.elapsed == 4 * 3600  # 9–12 Tuesday and 10–11 Wednesday
    assert clock.paused == 7 * 3600  # 12–18 Tuesday and 9–10 Wednesday
    assert at(clock.at_risk_at) == msk(2026, 11, 18, 14, 0)  # one hour left (less than 20 % of 8 h)

    paused_now = compute(tl, {"resolution": target("resolution", 8 * 60)}, ts(msk(2026, 11, 18, 9, 30)))[0]
    assert paused_now.state == "paused" and paused_now.due_at is None and paused_now.at_risk_at is None


def test_reopen_starts_a_new_resolution_cycle_and_keeps_the_first():
    created = msk(2026, 11, 16, 9, 0)
    tl = Timeline(ts(created), [(ts(created), "queue"), (ts(msk(2026, 11, 16, 11, 0)), "done"),
                                (ts(msk(2026, 11, 17, 9, 0)), "in_progress")], [], [])
    first, second = compute(tl, {"resolution": target("resolution", 4 * 60)}, ts(msk(2026, 11, 17, 10, 0)))
    assert (first.cycle, first.state, first.elapsed, first.breached) == (1, "met", 2 * 3600, False)
    assert at(first.stopped_at) == msk(2026, 11, 16, 11, 0)
    assert (second.cycle, second.state) == (2, "running")
    assert at(second.due_at) == msk(2026, 11, 17, 13, 0)


def test_breached_target_and_a_late_reply():
    created = msk(2026, 11, 16, 9, 0)
    tl = Timeline(ts(created), [(ts(created), "queue")], [ts(msk(2026, 11, 16, 9, 30))], [])
    clock = compute(tl, {"first_response": target("first_response", 15)}, ts(msk(2026, 11, 16, 12, 0)))[0]
    assert clock.state == "breached" and clock.breached
    assert at(clock.due_at) == msk(2026, 11, 16, 9, 15)
    assert at(clock.stopped_at) == msk(2026, 11, 16, 9, 30)


def test_next_response_after_each_requester_message():
    created = msk(2026, 11, 16, 9, 0)
    tl = Timeline(ts(created), [(ts(created), "in_progress")],
                  [ts(msk(2026, 11, 16, 9, 10)), ts(msk(2026, 11, 16, 11, 0))],
                  [ts(msk(2026, 11, 16, 10, 0)), ts(msk(2026, 11, 16, 10, 20)), ts(msk(2026, 11, 16, 12, 0))])
    clocks = [c for c in compute(tl, {"next_response": target("next_response", 30)}, ts(msk(2026, 11, 16, 12, 10)))]
    assert [(c.cycle, c.state) for c in clocks] == [(1, "breached"), (2, "running")]
    assert at(clocks[1].due_at) == msk(2026, 11, 16, 12, 30)


def test_daylight_saving_zone():
    berlin = Calendar(timezone="Europe/Berlin")
    start = datetime(2026, 3, 27, 17, 0, tzinfo=BERLIN)  # Friday, CET (UTC+1)
    due = add(berlin, start, timedelta(hours=2))
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)  # Monday, CEST (UTC+2)
    assert due.astimezone(timezone.utc).hour == 8
    # Clocks go forward on Sunday 29 March: a round-the-clock calendar has a 23-hour day.
    always = Calendar(timezone="Europe/Berlin", hours={d: [["00:00", "24:00"]] for d in
                                                        ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    day = between(always, datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
    assert day == timedelta(hours=23)
    autumn = between(always, datetime(2026, 10, 25, tzinfo=BERLIN), datetime(2026, 10, 26, tzinfo=BERLIN))
    assert autumn == timedelta(hours=25)


def test_round_the_clock_targets():
    created = msk(2026, 11, 20, 17, 55)
    tl = Timeline(ts(created), [(ts(created), "queue"), (ts(msk(2026, 11, 20, 20, 0)), "waiting"),
                                (ts(msk(2026, 11, 20, 22, 0)), "in_progress")], [], [])
    targets = {"first_response": target("first_response", 10, cal=None),
               "resolution": target("resolution", 24 * 60, cal=None)}
    first, resolution = compute(tl, targets, ts(msk(2026, 11, 21, 9, 0)))
    assert at(first.due_at) == msk(2026, 11, 20, 18, 5) and first.breached
    assert at(resolution.due_at) == msk(2026, 11, 21, 19, 55)  # 24 h plus the 2 h pause
    assert resolution.paused == 2 * 3600


@pytest.mark.parametrize("text", ["9-x", "18:00-09:00", "09:00-13:00, 12:00-15:00", "25:00-26:00"])
def test_bad_intervals_are_rejected(text):
    with pytest.raises(ValueError):
        parse_intervals(text)
