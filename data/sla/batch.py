"""The SLA clock for thousands of tickets at once, in numpy: the backfill's and the demo load's clock.

The rules are data/sla/clock.py's, which stays the reference and serves the one ticket a change
recomputes; here they run on flat arrays (every status entry, agent reply and requester message of a
batch, sorted by ticket and time) instead of a Python walk per ticket, which cost tens of microseconds
a ticket — more than PostgreSQL spends storing the result. Each step below is a few numpy operations
over the whole batch, with the same floating-point operations in the same order as clock.py, so both
give the same numbers (tests/test_sla_batch.py holds them to it on random histories).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.sla.calendars import Calendar, add_array, between_array
from data.sla.clock import PAUSE as PAUSE_STATUS, STOPPED as STOPPED_STATUS

TARGETS = ("first_response", "resolution", "next_response")  # in the order clock.compute lists them
FIRST, RESOLUTION, NEXT = range(3)
STATES = ("running", "paused", "met", "breached")
RUNNING, PAUSED, MET, BREACHED = range(4)
RUN, PAUSE, STOP = 0, 1, 2  # what a status does to the clocks: runs them, pauses them (waiting), stops them (done)
INF = np.inf
NAN = np.nan


def kind_of(status: str) -> int:
    return STOP if status == STOPPED_STATUS else PAUSE if status == PAUSE_STATUS else RUN


@dataclass
class Timelines:
    """A batch's histories. Tickets are 0..n-1; every *_tix array names the ticket of its row, and rows are
    sorted by ticket, then time (status entries as the store orders them: time, then event id)."""
    created: np.ndarray  # float64 per ticket
    policy: np.ndarray  # per ticket: index into the policy list, -1 for none
    status_tix: np.ndarray
    status_at: np.ndarray
    status_kind: np.ndarray  # RUN / PAUSE / STOP of the status entered
    reply_tix: np.ndarray  # public agent replies
    reply_at: np.ndarray
    message_tix: np.ndarray  # requester messages
    message_at: np.ndarray


@dataclass
class Clocks:
    """Every clock of a batch, one row per (ticket, target, cycle), in clock.compute's order per ticket.
    NaN stands for None in stopped, due and risk."""
    tix: np.ndarray
    target: np.ndarray  # index into TARGETS
    cycle: np.ndarray
    target_seconds: np.ndarray
    started: np.ndarray
    stopped: np.ndarray
    due: np.ndarray
    risk: np.ndarray
    elapsed: np.ndarray
    paused: np.ndarray
    state: np.ndarray  # index into STATES
    breached: np.ndarray

    def __len__(self) -> int:
        return len(self.tix)


class _Targets:
    """The policies' targets as arrays indexed by (policy, target), and the distinct calendars they use."""

    def __init__(self, policies: list):
        shape = (max(len(policies), 1), len(TARGETS))
        self.has = np.zeros(shape, bool)
        self.seconds = np.zeros(shape)
        self.risk_at = np.zeros(shape)  # business seconds after which the clock is at risk
        self.calendar = np.full(shape, -1, np.int64)
        self.calendars: list[Calendar] = []
        seen: dict[int, int] = {}
        for i, policy in enumerate(policies):
            for j, name in enumerate(TARGETS):
                target = policy.targets.get(name) if policy is not None else None
                if target is None:
                    continue
                self.has[i, j] = True
                self.seconds[i, j] = target.seconds
                self.risk_at[i, j] = target.seconds - target.risk_seconds
                if target.calendar is not None:
                    key = id(target.calendar)
                    if key not in seen:
                        seen[key] = len(self.calendars)
                        self.calendars.append(target.calendar)
                    self.calendar[i, j] = seen[key]


def compute(tl: Timelines, policies: list, now: float) -> Clocks:
    """Every SLA clock of the batch as of `now` (epoch seconds); `policies[i]` is the Policy of index i."""
    targets = _Targets(policies)
    if not len(tl.created):
        empty = np.zeros(0)
        return Clocks(*(np.zeros(0, np.int64),) * 3, *(empty,) * 7, np.zeros(0, np.int64), np.zeros(0, bool))
    tl = _with_default_status(tl)
    seg = _segments(tl)
    done = seg.kind == STOP
    done_tix, done_at = seg.tix[done], seg.a[done]
    pol = np.maximum(tl.policy, 0)
    parts = []

    def has(target: int) -> np.ndarray:
        return (tl.policy >= 0) & targets.has[pol, target]

    # First response: from creation to the first public agent reply or done, whichever comes first.
    t = np.flatnonzero(has(FIRST))
    start = tl.created[t]
    stop = np.fmin(_first_at_or_after(tl.reply_tix, tl.reply_at, t, start),
                   _first_at_or_after(done_tix, done_at, t, start))
    parts.append((t, FIRST, np.ones(len(t), np.int64), start, stop))
    # Resolution: from creation to done; each reopen (done → anything else) starts the next cycle.
    t = np.flatnonzero(has(RESOLUTION))
    later = np.r_[False, (seg.tix[1:] == seg.tix[:-1]) & (seg.kind[:-1] == STOP) & (seg.kind[1:] != STOP)]
    eligible = np.zeros(len(tl.created), bool)
    eligible[t] = True
    later &= eligible[seg.tix]
    r_tix, r_start = seg.tix[later], seg.a[later]
    tix = np.concatenate([t, r_tix])
    start = np.concatenate([tl.created[t], r_start])
    order = np.argsort(tix, kind="stable")  # creation first, then the reopens in time order
    tix, start = tix[order], start[order]
    cycle = _rank(tix) + 1
    parts.append((tix, RESOLUTION, cycle, start, _first_at_or_after(done_tix, done_at, tix, start)))
    # Next response: from a requester message (after the first response, not while done) to the next reply.
    parts.append(_next_response(tl, seg, done_tix, done_at, has(NEXT)))
    tix = np.concatenate([p[0] for p in parts])
    target = np.concatenate([np.full(len(p[0]), p[1], np.int64) for p in parts])
    cycle = np.concatenate([p[2] for p in parts])
    start = np.concatenate([p[3] for p in parts])
    stop = np.concatenate([p[4] for p in parts])
    order = np.lexsort((cycle, target, tix))
    tix, target, cycle, start, stop = tix[order], target[order], cycle[order], start[order], stop[order]
    p = pol[tix]
    seconds, risk_at, calendar = targets.seconds[p, target], targets.risk_at[p, target], targets.calendar[p, target]
    due, risk, elapsed, paused, state, breached = _measure(tix, start, stop, seconds, risk_at, calendar,
                                                           targets.calendars, seg, float(now))
    return Clocks(tix, target, cycle, seconds, start, stop, due, risk, elapsed, paused, state, breached)


def ticket_columns(n: int, c: Clocks) -> dict[str, np.ndarray]:
    """The tickets' own SLA columns (as store.ticket_values): first response, the latest resolution cycle,
    the nearest running due and at-risk times. Breached flags: 1, 0, or -1 for none."""
    fr_due, res_due, due, risk = (np.full(n, NAN) for _ in range(4))
    fr_breached, res_breached = np.full(n, -1, np.int8), np.full(n, -1, np.int8)
    first = c.target == FIRST
    fr_due[c.tix[first]] = c.due[first]
    fr_breached[c.tix[first]] = c.breached[first]
    res = np.flatnonzero(c.target == RESOLUTION)  # sorted by ticket and cycle: the last of each ticket wins
    latest = res[np.r_[c.tix[res][1:] != c.tix[res][:-1], True]] if len(res) else res
    res_due[c.tix[latest]] = c.due[latest]
    res_breached[c.tix[latest]] = c.breached[latest]
    running = np.isnan(c.stopped) & (c.state != PAUSED) & ~np.isnan(c.due)
    np.fmin.at(due, c.tix[running], c.due[running])
    np.fmin.at(risk, c.tix[running], c.risk[running])
    return {"fr_due": fr_due, "res_due": res_due, "fr_breached": fr_breached, "res_breached": res_breached,
            "due": due, "risk": risk}


# ---- steps ----

@dataclass
class _Segments:
    tix: np.ndarray
    a: np.ndarray
    b: np.ndarray  # INF for the last of a ticket
    kind: np.ndarray


def _with_default_status(tl: Timelines) -> Timelines:
    """A ticket without status entries sits in a queue from its creation (as clock._segments)."""
    missing = np.flatnonzero(np.bincount(tl.status_tix, minlength=len(tl.created)) == 0)
    if not len(missing):
        return tl
    tix = np.concatenate([tl.status_tix, missing])
    order = np.argsort(tix, kind="stable")
    at = np.concatenate([tl.status_at, tl.created[missing]])[order]
    kind = np.concatenate([tl.status_kind, np.full(len(missing), RUN, np.int8)])[order]
    return Timelines(tl.created, tl.policy, tix[order], at, kind, tl.reply_tix, tl.reply_at, tl.message_tix,
                     tl.message_at)


def _segments(tl: Timelines) -> _Segments:
    """Each status entry until the next one (the last one endless); empty ones dropped, as clock._segments."""
    tix, at = tl.status_tix, tl.status_at
    same = np.r_[tix[1:] == tix[:-1], False]
    b = np.where(same, np.r_[at[1:], INF], INF)
    keep = (b > at) | (b == INF)
    return _Segments(tix[keep], at[keep], b[keep], np.asarray(tl.status_kind)[keep])


def _rank(tix: np.ndarray) -> np.ndarray:
    """Position of each row within its ticket's run of rows (rows sorted by ticket)."""
    if not len(tix):
        return np.zeros(0, np.int64)
    first = np.flatnonzero(np.r_[True, tix[1:] != tix[:-1]])
    return np.arange(len(tix)) - np.repeat(first, np.diff(np.r_[first, len(tix)]))


def _bisect(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, x: np.ndarray, right: bool = False) -> np.ndarray:
    """bisect_left (or bisect_right) of each x within its own slice values[lo:hi], all at once."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        v = values[np.where(active, mid, 0)]
        go_right = (v <= x) if right else (v < x)
        lo = np.where(active & go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


def _first_at_or_after(v_tix: np.ndarray, v_at: np.ndarray, q_tix: np.ndarray, q_at: np.ndarray) -> np.ndarray:
    """For each query (ticket, instant): the ticket's first value at or after the instant, NaN when none."""
    if not len(v_at) or not len(q_at):
        return np.full(len(q_at), NAN)
    lo, hi = np.searchsorted(v_tix, q_tix, "left"), np.searchsorted(v_tix, q_tix, "right")
    i = _bisect(v_at, lo, hi, q_at)
    return np.where(i < hi, v_at[np.minimum(i, len(v_at) - 1)], NAN)


def _next_response(tl: Timelines, seg: _Segments, done_tix, done_at, eligible_tickets: np.ndarray):
    """clock.compute's next-response loop: a message starts a clock unless it came before the first reply,
    while done, or while an earlier message's clock was still waiting for its reply."""
    n = len(tl.created)
    replies = np.bincount(tl.reply_tix, minlength=n)
    eligible = eligible_tickets & (replies > 0)
    keep = eligible[tl.message_tix]
    m_tix, m_at = tl.message_tix[keep], tl.message_at[keep]
    first_reply = tl.reply_at[np.minimum(np.searchsorted(tl.reply_tix, m_tix, "left"), max(len(tl.reply_at) - 1, 0))] \
        if len(m_tix) else np.zeros(0)
    # The status at the message: the last segment starting at or before it (the first, before any).
    lo, hi = np.searchsorted(seg.tix, m_tix, "left"), np.searchsorted(seg.tix, m_tix, "right")
    at = np.maximum(_bisect(seg.a, lo, hi, m_at, right=True) - 1, lo)
    valid = (m_at >= first_reply) & (seg.kind[np.minimum(at, max(len(seg.kind) - 1, 0))] != STOP) if len(m_tix) \
        else np.zeros(0, bool)
    v_tix, v_at = m_tix[valid], m_at[valid]
    v_stop = np.fmin(_first_at_or_after(tl.reply_tix, tl.reply_at, v_tix, v_at),
                     _first_at_or_after(done_tix, done_at, v_tix, v_at))
    out_i, out_cycle = [], []
    if len(v_tix):
        cur = np.flatnonzero(np.r_[True, v_tix[1:] != v_tix[:-1]])
        end = np.r_[cur[1:], len(v_tix)]
        cycle = 1
        while len(cur):
            out_i.append(cur)
            out_cycle.append(np.full(len(cur), cycle, np.int64))
            stop = v_stop[cur]
            open_until = np.where(np.isnan(stop), INF, stop)  # a clock never answered keeps later messages out
            nxt = _bisect(v_at, cur + 1, end, open_until)
            more = (nxt < end) & ~np.isnan(stop)
            cur, end, cycle = nxt[more], end[more], cycle + 1
    i = np.concatenate(out_i) if out_i else np.zeros(0, np.int64)
    cycle = np.concatenate(out_cycle) if out_cycle else np.zeros(0, np.int64)
    return v_tix[i], NEXT, cycle, v_at[i], v_stop[i]


def _measure(tix, start, stop, seconds, risk_at, calendar, calendars, seg: _Segments, now: float):
    """clock.measure for every clock: walk its ticket's segments between start and stop (or now)."""
    n = len(tix)
    open_clock = np.isnan(stop)
    end = np.where(open_clock, now, stop)
    # One row per (clock, segment of its ticket).
    lo, hi = np.searchsorted(seg.tix, tix, "left"), np.searchsorted(seg.tix, tix, "right")
    counts = hi - lo
    pc = np.repeat(np.arange(n), counts)
    ps = lo[pc] + (np.arange(len(pc)) - np.repeat(np.cumsum(counts) - counts, counts))
    a = np.maximum(seg.a[ps], start[pc])
    b = np.minimum(seg.b[ps], end[pc])
    kind = seg.kind[ps]
    paused_now = np.zeros(n, bool)
    paused_now[pc[(kind == PAUSE) & open_clock[pc] & (a <= now) & (now <= b) & (a <= end[pc])]] = True
    valid = b > a
    pz = valid & (kind == PAUSE)
    # bincount adds in row order, from 0.0: the same sums as clock.measure's running total.
    paused = np.bincount(pc[pz], weights=_between(calendars, calendar[pc[pz]], a[pz], b[pz]), minlength=n)
    rn = valid & (kind == RUN)
    r_pc, r_a, r_b = pc[rn], a[rn], b[rn]
    r_len = _between(calendars, calendar[r_pc], r_a, r_b)
    last = np.r_[r_pc[1:] != r_pc[:-1], True] if len(r_pc) else np.zeros(0, bool)
    last_b = np.full(n, -INF)
    last_b[r_pc[last]] = r_b[last]
    has_running = np.bincount(r_pc, minlength=n) > 0
    open_ended = open_clock & ~paused_now & has_running & (last_b >= now)
    # clock._reach, interval by interval: the k-th running interval of every clock at once.
    acc = np.zeros(n)
    due, risk = _Reach(n), _Reach(n)
    rank = _rank(r_pc)
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], np.arange((rank.max() + 2) if len(rank) else 1))
    for k in range(len(bounds) - 1):
        sel = order[bounds[k]:bounds[k + 1]]
        cc, ka, kl, klast = r_pc[sel], r_a[sel], r_len[sel], last[sel]
        before = acc[cc]
        for reach, goal in ((due, seconds), (risk, risk_at)):
            reach.step(cc, ka, kl, klast & open_ended[cc], before, goal[cc])
        acc[cc] = before + kl
    due_at, risk_at_ = due.result(calendars, calendar), risk.result(calendars, calendar)
    breached = ~np.isnan(due_at) & np.where(open_clock, due_at <= now, due_at < stop)
    state = np.where(~open_clock, np.where(breached, BREACHED, MET),
                     np.where(breached, BREACHED, np.where(paused_now | ~open_ended, PAUSED, RUNNING)))
    clear = ~breached & (state != RUNNING)
    due_at[clear] = NAN
    risk_at_[clear] = NAN
    return due_at, risk_at_, acc, paused, state, breached


class _Reach:
    """When a clock's running intervals accumulate `goal` business seconds (clock._reach), found step by step."""

    def __init__(self, n: int):
        self.found = np.zeros(n, bool)
        self.at = np.full(n, NAN)
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # clock, interval start, seconds to add

    def step(self, cc, a, length, endless, acc, goal):
        todo = ~self.found[cc]
        at_start = todo & (goal <= acc)
        inside = todo & ~at_start & ((goal - acc <= length) | endless)
        self.at[cc[at_start]] = a[at_start]
        self.found[cc[at_start | inside]] = True
        if inside.any():
            self.pending.append((cc[inside], a[inside], (goal - acc)[inside]))

    def result(self, calendars, calendar) -> np.ndarray:
        if self.pending:
            cc, a, x = (np.concatenate(p) for p in zip(*self.pending))
            self.at[cc] = _add(calendars, calendar[cc], a, x)
        return self.at


# ---- each clock on its calendar (-1: round the clock) ----

def _between(calendars: list[Calendar], calendar: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Business seconds between a and b (b > a)."""
    out = b - a
    for ci in np.unique(calendar[calendar >= 0]).tolist():
        sel = calendar == ci
        out[sel] = between_array(calendars[ci], a[sel], b[sel])
    return out


def _add(calendars: list[Calendar], calendar: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The instant when x (> 0) business seconds have passed since a."""
    out = a + x
    for ci in np.unique(calendar[calendar >= 0]).tolist():
        sel = calendar == ci
        out[sel] = add_array(calendars[ci], a[sel], x[sel])
    return out
