"""Running one function in many threads at once, each in its own session and connection (as the web
server's workers would), started together by a barrier so that they really race."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from data import db


def race(work, count: int = 10) -> list:
    """Call work(n, session) in `count` threads; each result is the return value or the exception."""
    barrier = threading.Barrier(count)

    def one(n):
        try:
            with db.session_scope() as s:
                barrier.wait(timeout=30)
                return work(n, s)
        except Exception as err:  # noqa: BLE001 - the test sorts the outcomes
            return err

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))
