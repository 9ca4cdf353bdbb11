"""The SLA clock: from a ticket's timeline to due times, elapsed and paused business time per target.

Pure functions on epoch seconds (no database), so the same code serves one ticket in a hook and
a million in the backfill. Rules, as in Jira Service Management and Zammad:
- every clock runs while the ticket is in a queue or in-progress column, pauses while it waits for
  the requester ("waiting" columns) and stops when it reaches "done";
- first response: from creation to the first public reply by an agent (internal notes and
  auto-replies are not in `agent_replies`);
- next response: from each requester message after an agent has answered, to the next agent reply;
- resolution: from creation to done; a reopen (done → any other column) starts a new cycle.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from data.sla.calendars import Calendar, add_ts, between_ts
from data.tickets import status as statuses

INF = float("inf")
STOPPED, PAUSE = statuses.DONE, "waiting"


@dataclass
class Timeline:
    created_at: float
    statuses: list[tuple[float, str]]  # (when, column kind entered), in order; the first is the creation
    agent_replies: list[float]
    requester_messages: list[float]


@dataclass
class Target:
    name: str  # first_response | next_response | resolution
    seconds: float
    calendar: Calendar | None  # None: 24/7
    risk_seconds: float  # "at risk" when this much business time is left


@dataclass
class Clock:
    target: str
    cycle: int
    target_seconds: float
    started_at: float
    stopped_at: float | None
    due_at: float | None  # None while paused (or stopped in time)
    at_risk_at: float | None
    elapsed: float
    paused: float
    state: str  # running | paused | met | breached
    breached: bool


def risk_seconds(target_seconds: float, share: float | None, minutes: int | None) -> float:
    """At risk when `share` of the target is left or `minutes` are left, whichever comes first."""
    by_share = target_seconds * (share if share is not None else 0.2)
    return min(by_share, minutes * 60.0) if minutes else by_share


def _segments(tl: Timeline) -> list[tuple[float, float, str]]:
    statuses = tl.statuses or [(tl.created_at, "queue")]
    ends = [s[0] for s in statuses[1:]] + [INF]
    return [(a, b, kind) for (a, kind), b in zip(statuses, ends) if b > a or b == INF]


def measure(target: Target, cycle: int, start: float, stop: float | None,
            segments: list[tuple[float, float, str]], now: float) -> Clock:
    """Walk the ticket's segments between start and stop (or now) and place the due time."""
    cal = target.calendar
    end = stop if stop is not None else now
    running: list[tuple[float, float]] = []
    paused = 0.0
    paused_now = False
    for a, b, kind in segments:
        a, b = max(a, start), min(b, end)
        if kind == PAUSE and stop is None and a <= now <= b and a <= end:
            paused_now = True
        if b <= a:
            continue
        if kind == PAUSE:
            paused += between_ts(cal, a, b)
        elif kind != STOPPED:
            running.append((a, b))
    open_ended = stop is None and not paused_now and bool(running) and running[-1][1] >= now
    lengths = [between_ts(cal, a, b) for a, b in running]  # business seconds of each running interval
    due = _reach(cal, running, lengths, target.seconds, open_ended)
    risk = _reach(cal, running, lengths, target.seconds - target.risk_seconds, open_ended)
    elapsed = sum(lengths, 0.0)
    # A reply exactly at the due time is in time; a running clock is breached at its due time.
    breached = due is not None and (due < stop if stop is not None else due <= now)
    if stop is not None:
        state = "breached" if breached else "met"
    else:
        state = "breached" if breached else ("paused" if paused_now or not open_ended else "running")
    if not breached and state != "running":
        due = risk = None
    return Clock(target.name, cycle, target.seconds, start, stop, due, risk, elapsed, paused, state, breached)


def _reach(cal: Calendar | None, running: list[tuple[float, float]], lengths: list[float], seconds: float,
           open_ended: bool) -> float | None:
    """When the running intervals accumulate `seconds` of business time (the last one may be endless)."""
    acc, last = 0.0, len(running) - 1
    for i, (a, b) in enumerate(running):
        if seconds <= acc:
            return a
        if seconds - acc <= lengths[i] or (open_ended and i == last):
            return add_ts(cal, a, seconds - acc)
        acc += lengths[i]
    return None


def _first_after(times: list[float], t: float) -> float | None:
    i = bisect.bisect_left(times, t)
    return times[i] if i < len(times) else None


def compute(tl: Timeline, targets: dict[str, Target], now: float) -> list[Clock]:
    """Every SLA clock of one ticket, oldest first."""
    segments = _segments(tl)
    done_entries = [a for a, _, k in segments if k == STOPPED]
    reopens = [a for (a, _, k), (_, _, prev) in zip(segments[1:], segments) if statuses.reopens(prev, k)]
    replies = sorted(tl.agent_replies)
    clocks: list[Clock] = []

    def stop_at(start: float, candidates: list[float | None]) -> float | None:
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    if "first_response" in targets:
        start = tl.created_at
        stop = stop_at(start, [_first_after(replies, start), _first_after(done_entries, start)])
        clocks.append(measure(targets["first_response"], 1, start, stop, segments, now))
    if "resolution" in targets:
        for cycle, start in enumerate([tl.created_at] + reopens, 1):
            stop = _first_after(done_entries, start)
            clocks.append(measure(targets["resolution"], cycle, start, stop, segments, now))
    if "next_response" in targets and replies:
        cycle, open_until = 0, -INF
        for message in sorted(tl.requester_messages):
            if message < replies[0] or message < open_until or _kind_at(segments, message) == STOPPED:
                continue  # before the first response, or a clock is already waiting for a reply
            stop = stop_at(message, [_first_after(replies, message), _first_after(done_entries, message)])
            cycle += 1
            clocks.append(measure(targets["next_response"], cycle, message, stop, segments, now))
            open_until = stop if stop is not None else INF
    return clocks


def _kind_at(segments: list[tuple[float, float, str]], t: float) -> str:
    for a, b, kind in segments:
        if a <= t < b:
            return kind
    return segments[0][2] if segments else "queue"
