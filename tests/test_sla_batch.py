"""The batch clock (data/sla/batch.py, used by the backfill and the demo load) gives every ticket the same
clocks and SLA columns as the reference clock (data/sla/clock.py, used for one ticket at a time), on
random histories: pauses, reopens, replies and requester messages at the same instant as moves,
tickets still open or paused now, business calendars with lunch breaks, holidays, short days and DST."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from data.sla import batch
from data.sla.calendars import Calendar
from data.sla.clock import Target, Timeline, compute, risk_seconds
from data.sla.policies import Policy
from data.sla.store import ticket_values

START = datetime(2026, 3, 20, tzinfo=timezone.utc).timestamp()  # Berlin's clocks go forward on the 29th
LUNCH = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def calendars():
    return [None, Calendar(timezone="Europe/Moscow"),
            Calendar(timezone="Europe/Berlin", hours=LUNCH, holidays=frozenset({date(2026, 3, 27), date(2026, 4, 3)}),
                     short_days=frozenset({date(2026, 3, 26)}), extra_days=frozenset({date(2026, 3, 28)}))]


def policies(rng: random.Random) -> list[Policy]:
    cals, out = calendars(), []
    for i in range(6):
        targets = {}
        for name in ("first_response", "next_response", "resolution"):
            if rng.random() < 0.8:
                seconds = rng.choice([60.0, 900.0, 3600.0, 4 * 3600.0, 16 * 3600.0, 40 * 3600.0, 300 * 3600.0])
                share, minutes = rng.choice([(0.2, None), (0.5, 30), (None, 1)])
                targets[name] = Target(name, seconds, rng.choice(cals), risk_seconds(seconds, share, minutes))
        out.append(Policy(i + 1, f"P{i}", {}, targets))
    return out


def history(rng: random.Random, created: float) -> tuple[list, list, list]:
    """Status entries, agent replies, requester messages; times often coincide, as they do in real data."""
    t, statuses, moments = created, [], [created]
    if rng.random() > 0.05:  # a few tickets have no status history at all
        statuses.append((created, rng.choice(["queue", "queue", "in_progress"])))
        for _ in range(rng.randint(0, 8)):
            t += rng.choice([0, 0, 30, 600, 3600, 5 * 3600, 26 * 3600, 3 * 86400]) + rng.choice([0, 0, 0.25])
            statuses.append((t, rng.choice(["queue", "in_progress", "in_progress", "waiting", "waiting", "done"])))
            moments.append(t)
    span = max(t - created, 3600) * 1.5

    def some(k):
        return sorted(rng.choice(moments) if rng.random() < 0.3 else created + rng.random() * span
                      for _ in range(rng.randint(0, k)))
    return statuses, some(4), some(5)


@pytest.mark.parametrize("seed", range(6))
def test_batch_clock_equals_the_reference_clock(seed):
    rng = random.Random(seed)
    pols = policies(rng)
    n = 400
    created = [START + rng.random() * 20 * 86400 + rng.choice([0, 0.5]) for _ in range(n)]
    chosen = [rng.randrange(-1, len(pols)) for _ in range(n)]
    histories = [history(rng, c) for c in created]
    now = START + rng.choice([10, 25, 40]) * 86400 + rng.random() * 86400
    tl = batch.Timelines(
        np.asarray(created), np.asarray(chosen),
        *_flat([[(i, at, batch.kind_of(s)) for at, s in h[0]] for i, h in enumerate(histories)], 3),
        *_flat([[(i, at) for at in h[1]] for i, h in enumerate(histories)], 2),
        *_flat([[(i, at) for at in h[2]] for i, h in enumerate(histories)], 2))
    clocks = batch.compute(tl, pols, now)
    columns = batch.ticket_columns(n, clocks)
    kinds = set()
    for i in range(n):
        policy = pols[chosen[i]] if chosen[i] >= 0 else None
        statuses, replies, messages = histories[i]
        want = compute(Timeline(created[i], statuses, replies, messages), policy.targets, now) if policy else []
        mine = np.flatnonzero(clocks.tix == i)
        got = [(batch.TARGETS[clocks.target[j]], int(clocks.cycle[j]), clocks.started[j], _none(clocks.stopped[j]),
                _none(clocks.due[j]), _none(clocks.risk[j]), clocks.elapsed[j], clocks.paused[j],
                batch.STATES[clocks.state[j]], bool(clocks.breached[j])) for j in mine]
        assert got == [(c.target, c.cycle, c.started_at, c.stopped_at, c.due_at, c.at_risk_at, c.elapsed, c.paused,
                        c.state, c.breached) for c in want], i
        values = ticket_values(policy.id if policy else None, want)
        assert [_none(columns[k][i]) for k in ("fr_due", "res_due", "due", "risk")] == \
            [values[k] for k in ("fr_due", "res_due", "due", "risk")], i
        assert [None if columns[k][i] < 0 else bool(columns[k][i]) for k in ("fr_breached", "res_breached")] == \
            [values["fr_breached"], values["res_breached"]], i
        kinds |= {(c.target, c.state) for c in want}
    # The histories reach every kind of clock in every state the board shows.
    assert {("first_response", "met"), ("resolution", "breached"), ("next_response", "met")} <= kinds
    assert {"running", "paused"} <= {s for _, s in kinds}
    assert clocks.cycle[clocks.target == batch.RESOLUTION].max() >= 2  # reopened tickets


def _none(value):
    value = float(value)
    return None if value != value else value


def _flat(rows: list[list[tuple]], width: int) -> list[np.ndarray]:
    flat = [r for ticket in rows for r in ticket]
    cols = list(zip(*flat)) if flat else [()] * width
    types = (np.int64, np.float64, np.int8)
    return [np.asarray(c, types[k]) for k, c in enumerate(cols)]
