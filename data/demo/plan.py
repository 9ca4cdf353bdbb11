"""The whole year at a glance: dates, volumes, team sizes, arrival times and calibrated durations.

The story (Core12): go-live is the first day of the month six months before `today`. Before it a
first-line agent resolves ~400 requests a month with a median handling time (start -> done) of
~1.5 days; after it ~700 a month, under a day. The first-line team keeps its size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from data.demo import spec
from data.demo.calendar import BusinessClock, add_months, epoch, local_zone, sample_arrivals
from data.demo.history import handling_end

MONTH = 365.25 / 12 * 86400
L1_PER_AGENT_BEFORE, L1_PER_AGENT_AFTER = 400, 700
GROWTH = L1_PER_AGENT_AFTER / L1_PER_AGENT_BEFORE
L1_MEDIAN_DAYS_BEFORE, L1_MEDIAN_DAYS_AFTER = 1.5, 0.8
P_ESCALATE_L2, P_ESCALATE_L3, P_PRIO_ACCEPT = 0.11, 0.12, 0.5

# Per board: assignment delay, first reply, handling (working minutes; 720 = one working day).
# p_confirm: closed when the requester confirms; p_reopen applies to the others (L1: ~3% reopened).
PARAMS = {
    "l1": dict(assign_med=20, resp_med=40, resp_sigma=0.9, dur_sigma=1.0, p_wait=0.15, p_reopen=0.075,
               p_note=0.1, p_resolved_comment=0.6, p_transfer=P_ESCALATE_L2, p_confirm=0.6),
    "l1_after": dict(resp_med=2.2, resp_sigma=0.7),
    "l2": dict(assign_med=60, resp_med=60, dur_med=1080, dur_sigma=1.0, p_wait=0.3, p_reopen=0.03, p_note=0.35,
               p_resolved_comment=0.8, p_transfer=P_ESCALATE_L3, p_confirm=0.4),
    "l3": dict(assign_med=540, resp_med=240, dur_med=3780, dur_sigma=0.7, p_wait=0.3, p_note=0.6,
               p_resolved_comment=0.9),
    "hr": dict(assign_med=30, resp_med=120, dur_med=1000, p_wait=0.3, p_note=0.1, p_reopen=0.01),
    "legal": dict(assign_med=90, resp_med=180, dur_med=2160, p_wait=0.5, p_note=0.3, p_resolved_comment=0.9),
    "acc": dict(assign_med=30, resp_med=120, dur_med=900, dur_sigma=0.9, p_wait=0.2, p_note=0.1),
    "ideas": dict(assign_med=600, resp_med=1500, dur_med=5400, dur_sigma=1.2, p_wait=0.15, p_note=0.3,
                  p_resolved_comment=1.0),
    "prio": dict(assign_med=0, resp_med=1080, dur_med=2700, dur_sigma=1.0, p_wait=0.2, p_note=0.2,
                 p_resolved_comment=0.9, p_transfer=P_PRIO_ACCEPT),
    "child": dict(assign_med=45, resp_med=90, dur_med=700, dur_sigma=0.8, p_wait=0.1, p_note=0.1),
}
SERVICE_BOARD = {code: board for code, (_, _, board, _) in spec.SERVICES.items()}


@dataclass
class Plan:
    tickets: int
    seed: int
    today: date
    now: int
    start: int
    go_live: date
    go_live_ts: int
    n_main: int
    n_onboarding: int
    arrivals: np.ndarray
    type_idx: np.ndarray  # index into spec.TYPE_CODES per arrival
    team_sizes: dict[str, int]
    n_requesters: int
    clock: BusinessClock
    l1_dur_med: tuple[float, float] = (540.0, 300.0)  # before, after
    extra: dict = field(default_factory=dict)


def make_plan(tickets: int, seed: int, today: date | None) -> Plan:
    real_now = datetime.now(local_zone()).replace(microsecond=0)
    if today is None or today >= real_now.date():
        today = today or real_now.date()
        now = int(real_now.timestamp()) if today == real_now.date() else epoch(today, time(15, 0))
    else:
        now = epoch(today, time(15, 0))
    go_live = add_months(date(today.year, today.month, 1), -6)
    start_day = add_months(today, -12)
    start, go_live_ts = epoch(start_day), epoch(go_live)
    clock = BusinessClock(start_day.replace(day=1) - timedelta(days=1), today + timedelta(days=3 * 365))
    rng = np.random.default_rng([seed, 1])
    n_onb = int(round(tickets * spec.ONBOARDING_SHARE))
    n_main = tickets - len(spec.ONBOARDING_CHILDREN) * n_onb
    n_it = int(round(n_main * spec.IT_SHARE))
    n_other = n_main - n_it
    n_onb = min(n_onb, n_other)
    first_month = start_day.replace(day=1)
    t_it = sample_arrivals(rng, n_it, start, now, first_month, lambda m: GROWTH if m >= go_live else 1.0)
    t_other = sample_arrivals(rng, n_other, start, now, first_month, lambda m: 1.0)
    codes = spec.TYPE_CODES
    it_codes = [c for c in codes if spec.TYPES[c]["service"] == "it"]
    type_it = rng.choice([codes.index(c) for c in it_codes], size=n_it,
                         p=_norm([spec.TYPES[c]["share"] for c in it_codes]))
    services = list(spec.OTHER_SERVICE_SHARE)
    svc = rng.choice(len(services), size=n_other, p=_norm(list(spec.OTHER_SERVICE_SHARE.values())))
    type_other = np.zeros(n_other, dtype=np.int64)
    for i, s in enumerate(services):
        cand = [c for c in codes if spec.TYPES[c]["service"] == s and spec.TYPES[c]["share"] > 0]
        sel = svc == i
        type_other[sel] = rng.choice([codes.index(c) for c in cand], size=int(sel.sum()),
                                     p=_norm([spec.TYPES[c]["share"] for c in cand]))
    type_other[rng.choice(n_other, size=n_onb, replace=False)] = codes.index("onboarding")
    arrivals = np.concatenate([t_it, t_other])
    type_idx = np.concatenate([type_it, type_other])
    order = np.argsort(arrivals, kind="stable")
    m_before = max((go_live_ts - start) / MONTH, 0.0)
    m_after = max((now - go_live_ts) / MONTH, 0.0)
    l1_resolved = n_it * (1 - P_ESCALATE_L2)
    l1 = max(2, int(round(l1_resolved / (L1_PER_AGENT_BEFORE * m_before + L1_PER_AGENT_AFTER * m_after))))
    months = m_before + m_after
    share = {s: n_other * v / months for s, v in spec.OTHER_SERVICE_SHARE.items()}  # per month
    sizes = {"l1": l1, "l2": max(2, round(n_it * P_ESCALATE_L2 / months / 120)),
             "l3": max(2, round((n_it * P_ESCALATE_L2 * P_ESCALATE_L3 / months + share["improve"] / 2) / 25)),
             "hr": max(2, round(share["hr"] / 180)), "legal": max(2, round(share["legal"] / 70)),
             "acc": max(2, round((share["accounting"] + 2 * n_onb / months) / 200)),
             "product": max(2, round(share["ideas"] / 80))}
    plan = Plan(tickets, seed, today, now, start, go_live, go_live_ts, n_main, n_onb, arrivals[order],
                type_idx[order], sizes, int(min(max(tickets // 10, 200), 50_000)), clock)
    plan.l1_dur_med = (_calibrate(plan, rng, t_it[t_it < go_live_ts], 60, L1_MEDIAN_DAYS_BEFORE),
                       _calibrate(plan, rng, t_it[t_it >= go_live_ts], 3, L1_MEDIAN_DAYS_AFTER))
    return plan


def _norm(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()


def _calibrate(plan: Plan, rng: np.random.Generator, starts: np.ndarray, lead_minutes: float,
               target_days: float) -> float:
    """The median handling time (business minutes) whose wall-clock median is target_days."""
    if len(starts) < 50:
        return target_days * 400.0
    sample = rng.choice(starts, size=min(len(starts), 20000))
    b = plan.clock.to_bus(sample) + lead_minutes
    z = np.exp(PARAMS["l1"]["dur_sigma"] * rng.standard_normal(len(b)))
    z *= np.asarray(spec.PRIORITY_SPEED)[rng.choice(5, size=len(b), p=spec.PRIORITY_SHARE)]
    confirm = rng.random(len(b)) < PARAMS["l1"]["p_confirm"]
    lo, hi = np.log(5.0), np.log(20000.0)
    t0 = np.floor(plan.clock.from_bus(b))
    for _ in range(40):
        mid = (lo + hi) / 2
        end = handling_end(plan.clock, np.random.default_rng(0), b, np.maximum(np.exp(mid) * z, 1.0), confirm)
        days = np.median(np.floor(end) - t0) / 86400
        lo, hi = (mid, hi) if days < target_days else (lo, mid)
    return float(np.exp((lo + hi) / 2))
