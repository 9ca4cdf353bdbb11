"""Rendered board cells, kept per column revision.

Fifty agents polling one busy board ask for the same column at the same revision over and over: every
move bumps its columns' revisions, and each agent's 3-second poll then re-renders the changed columns
(2,000 cards, ~40 ms of CPU). A column's cards change only with its revision (bumped in the same
transaction as every change), so a worker renders each revision once and serves it to every poll and
reload that asks for it with the same filter, limit, order and language. Entries expire after TTL seconds,
because a card's age and SLA countdown move with the clock, not with the revision.
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

TTL_S = 20.0
MAX_ENTRIES = 256  # columns × filters × languages × revisions in flight; a few MB of components

_lock = threading.Lock()
_cells: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()
_rendering: dict[tuple, threading.Event] = {}
WAIT_S = 5.0  # a render that takes longer than this has failed or stalled: render it yourself


def key(database: str, board_id: int, column_id: int, revision: int | None, lanes: tuple, flt: dict | None,
        viewer_id: int, limit, locale: str, order: str | None) -> tuple | None:
    """The cache key of one column's cells, or None when there is no revision to key it by. `database` names
    the database: ids and revisions start again in another one (a test's, a restored copy)."""
    if revision is None:
        return None
    flt = flt or {}
    # Only "mine" depends on who looks; every other condition is the same for every viewer of the board.
    who = viewer_id if flt.get("mine") else None
    return (database, board_id, column_id, revision, lanes, json.dumps(flt, sort_keys=True, default=str), who,
            limit, locale, order or "")


def get(k: tuple | None) -> dict | None:
    if k is None:
        return None
    with _lock:
        hit = _cells.get(k)
        if hit is None:
            return None
        if time.monotonic() - hit[0] > TTL_S:
            del _cells[k]
            return None
        _cells.move_to_end(k)
        return hit[1]


def claim(k: tuple | None) -> threading.Event | None:
    """None when this thread now renders `k` (and must `release` it, after `put` or on failure); otherwise
    the event another thread sets when its render of `k` is in the cache."""
    with _lock:
        busy = _rendering.get(k)
        if busy is None:
            _rendering[k] = threading.Event()
        return busy


def wait(busy: dict[int, threading.Event]) -> None:
    """Wait for renders in flight elsewhere. Only a thread that holds no claim waits, so none waits in a circle."""
    deadline = time.monotonic() + WAIT_S
    for done in busy.values():
        done.wait(max(0.0, deadline - time.monotonic()))


def release(k: tuple | None) -> None:
    with _lock:
        done = _rendering.pop(k, None)
    if done is not None:
        done.set()


def put(k: tuple | None, cells: dict) -> None:
    if k is None:
        return
    with _lock:
        _cells[k] = (time.monotonic(), cells)
        _cells.move_to_end(k)
        while len(_cells) > MAX_ENTRIES:
            _cells.popitem(last=False)


def clear() -> None:
    with _lock:
        _cells.clear()
        for done in _rendering.values():
            done.set()
        _rendering.clear()
