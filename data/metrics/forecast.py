"""Monte Carlo forecasts from the daily throughput history (ActionableAgile's "when" and "how many").

Each simulated future day's throughput is drawn uniformly from the past days of the range, zero
days included. "When": days until N tickets are done, ≥ 10,000 trials, 50/85/95th percentiles.
"How many by a date": the total over the days until then; at 85% confidence it's *at least* the
15th percentile. Fixed seed: the same history gives the same forecast.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from data.models import User
from data.metrics import PERCENTILES, one, require_analytics
from data.metrics.filters import TicketFilter, today, where
from data.metrics.flow import throughput

TRIALS = 10_000
SEED = 20240601
MAX_DAYS = 3 * 365


def daily_history(session: Session, actor: User, f: TicketFilter) -> np.ndarray:
    return np.array([r["done"] for r in throughput(session, actor, f, "day")], dtype=np.int64)


def open_now(session: Session, f: TicketFilter) -> int:
    w, params = where(f)
    return one(session, f"SELECT count(*) AS n FROM tickets t WHERE {w} AND t.status <> 'done'", params)["n"]


def when_done(history: np.ndarray, items: int, start: date, trials: int = TRIALS) -> dict | None:
    """Dates by which `items` tickets are done with 50/85/95% probability; None when the history has no done day."""
    if items <= 0 or history.size == 0 or history.sum() == 0:
        return None
    rng = np.random.default_rng(SEED)
    horizon = int(min(MAX_DAYS, max(30, 3 * items / max(history.mean(), 1e-9))))
    done = np.cumsum(rng.choice(history, size=(trials, horizon)), axis=1)
    reached = done >= items
    days = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, horizon + 1)
    out = {}
    for p in PERCENTILES:
        d = int(np.ceil(np.percentile(days, 100 * p)))
        out[p] = None if d > horizon else start + timedelta(days=d - 1)
    return {"dates": out, "trials": trials, "days": np.bincount(days).tolist()}


def how_many(history: np.ndarray, until: date, start: date, trials: int = TRIALS) -> dict | None:
    """With 50/85/95% probability at least this many tickets are done from `start` through `until`."""
    days = (until - start).days + 1
    if days <= 0 or history.size == 0:
        return None
    rng = np.random.default_rng(SEED)
    days = min(days, MAX_DAYS)
    totals = rng.choice(history, size=(trials, days)).sum(axis=1)
    counts, edges = np.histogram(totals, bins=min(60, int(totals.max() - totals.min()) + 1))
    return {"at_least": {p: int(np.floor(np.percentile(totals, 100 * (1 - p)))) for p in PERCENTILES},
            "trials": trials, "histogram": [{"from": float(a), "to": float(b), "trials": int(c)}
                                            for a, b, c in zip(edges, edges[1:], counts)]}


def forecast(session: Session, actor: User, f: TicketFilter, items: int | None = None,
             until: date | None = None) -> dict:
    """Both forecasts for the filtered tickets; history = the filter's date range."""
    require_analytics(actor)
    history = daily_history(session, actor, f)
    start = today() + timedelta(days=1)
    items = open_now(session, f) if items is None else items
    until = until or today() + timedelta(days=30)
    return {"history_days": int(history.size), "history_done": int(history.sum()), "items": items,
            "until": until, "start": start, "when": when_done(history, items, start),
            "how_many": how_many(history, until, start)}
