"""The SLA backfill (`python -m data sla-backfill`): every ticket in id order, as a pipeline of threads.

Per range of ids: read (SQL), compute (numpy), write (its own transaction). Two readers (each with its own
connection, taking the next range as they finish one), the computing thread and a writer run at once, so
PostgreSQL reads ranges and stores an earlier one while Python computes another: a first run is bound by
the writes (new clocks), a run over current data by the reads. Ranges are independent, so the order in
which they are written does not matter. The first failure stops the pipeline and is raised.
"""
from __future__ import annotations

import queue
import threading
import time

from sqlalchemy import text

from data.sla import bulk
from data.sla import policies as sla_policies

DEPTH = 2  # ranges waiting between two stages
READERS = 2
WRITERS = 1  # two were measured: no faster on two cores, and more CPU per clock (same index pages)


def backfill(session_factory, batch: int = 5000, progress=None) -> dict:
    """Recompute every ticket in id order, one transaction per range of `batch` ids; returns counts,
    tickets/s and the seconds each stage worked. Only what changed is written (data/sla/bulk_write.py)."""
    with session_factory() as s:
        policies = sla_policies.load(s)
        lo, hi = s.execute(text("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM tickets")).one()
    started, done = time.perf_counter(), 0
    starts = iter(range(lo, hi + 1, batch))
    take = threading.Lock()
    loaded: queue.Queue = queue.Queue(maxsize=DEPTH)
    computed: queue.Queue = queue.Queue(maxsize=DEPTH)
    failed: list[BaseException] = []
    busy = {"read": 0.0, "compute": 0.0, "write": 0.0}  # seconds each stage worked (summed over its threads)

    def reader() -> None:
        try:
            with session_factory() as r:
                while not failed:
                    with take:
                        start = next(starts, None)
                    if start is None:
                        break
                    at = time.perf_counter()
                    batch_read = bulk.read(r, bulk.Scope(lo=start, hi=start + batch), policies)
                    r.rollback()  # no snapshot held between ranges
                    busy["read"] += time.perf_counter() - at
                    loaded.put(batch_read)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            failed.append(exc)
        finally:
            loaded.put(None)

    def writer() -> None:
        while (result := computed.get()) is not None:
            if failed:
                continue  # drain: the backfill stops at the first failure
            try:
                at = time.perf_counter()
                with session_factory() as w, w.begin():
                    bulk.write(w, result)
                busy["write"] += time.perf_counter() - at
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                failed.append(exc)

    readers = [threading.Thread(target=reader, name=f"sla-backfill-reader-{i}", daemon=True) for i in range(READERS)]
    threads = readers + [threading.Thread(target=writer, name=f"sla-backfill-writer-{i}", daemon=True)
                         for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    running = len(readers)
    try:
        while running:
            batch_read = loaded.get()
            if batch_read is None:
                running -= 1
                continue
            if failed:
                continue  # drain until the readers stop
            at = time.perf_counter()
            result = bulk.compute(batch_read, time.time())
            busy["compute"] += time.perf_counter() - at
            computed.put(result)
            done += len(result.ids)
            if progress:
                progress(done, time.perf_counter() - started)
    except BaseException as exc:  # a failed computation, Ctrl-C: stop the readers (they may wait on a full queue)
        failed.append(exc)
        while running:
            running -= loaded.get() is None
    finally:
        for _ in range(WRITERS):
            computed.put(None)
        for thread in threads:
            thread.join()
    if failed:
        raise failed[0]
    seconds = time.perf_counter() - started
    return {"tickets": done, "seconds": round(seconds, 2), "tickets_per_s": round(done / seconds, 1) if seconds else None,
            "busy_s": {stage: round(value, 2) for stage, value in busy.items()}}
