"""Exports at a million tickets: the whole ticket list as CSV (COPY, streamed) and as XLSX
(rows written by PostgreSQL, zipped as they come), with the peak resident memory of this process while streaming; and the
weekly summary's build and render times. Reads only: no job rows are written.

    python -m bench exports            (or: python -m bench.exports for this one alone)
"""
from __future__ import annotations

import os
import threading
import time

import psutil
from sqlalchemy import select



class PeakRss:
    """Samples this process's resident memory every 20 ms in a thread."""

    def __init__(self):
        self.proc = psutil.Process()
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def report(self) -> dict:
        mb = 1024 * 1024
        return {"rss_before_mb": round(self.start / mb, 1), "rss_peak_mb": round(self.peak / mb, 1),
                "rss_growth_mb": round((self.peak - self.start) / mb, 1)}


def _drain(chunks, progress_rows: list) -> tuple[int, float, int]:
    started, size, n = time.perf_counter(), 0, 0
    for chunk in chunks:
        size += len(chunk)
        n += 1
    return size, time.perf_counter() - started, n


def run(url: str) -> dict:
    from data.exports import ticket_xlsx
    from data.tickets import query as ticket_query
    from data.weekly import summary as weekly
    from data.weekly import report as weekly_report
    from data.db import read_session
    from data.models import User

    with read_session() as s:
        analyst = s.scalar(select(User).where(User.email == "analyst@okno.demo"))
        director = s.scalar(select(User).where(User.email == "director@okno.demo"))
        s.expunge_all()
    out = {}
    everything = ticket_query.TicketFilter()

    # 1. CSV of every ticket, all columns, through COPY in 256 KB chunks.
    rows = [0]
    with PeakRss() as mem, read_session() as s:
        size, seconds, chunks = _drain(ticket_query.export_csv(s, analyst, everything,
                                                               progress=lambda n: rows.__setitem__(0, n)), rows)
    out["csv_all"] = {"rows": rows[0], "mb": round(size / 1e6, 1), "seconds": round(seconds, 1),
                      "rows_per_s": int(rows[0] / seconds) if seconds else None, "chunks": chunks} | mem.report()

    # 2. XLSX of every ticket, all columns, as the export job writes it: PostgreSQL formats each row's XML
    #    and COPYs it out (data/exports/sheet_rows.py), Python compresses it into the zip as it comes.
    done = [0]
    with PeakRss() as mem, read_session() as s:
        started = time.perf_counter()
        size = sum(len(c) for c in ticket_xlsx.export_xlsx(s, analyst, everything, locale="ru",
                                                            progress=lambda n: done.__setitem__(0, n)))
        written = time.perf_counter() - started
    out["xlsx"] = {"rows": done[0], "mb": round(size / 1e6, 1), "seconds": round(written, 1),
                   "rows_per_s": int(done[0] / written) if written else None} | mem.report()

    # 3. The weekly summary of the last full week (every figure from data/metrics), and its offline file.
    week = weekly.last_full_week()
    with read_session() as s:
        started = time.perf_counter()
        summary = weekly.summary(s, director, week)
        built = time.perf_counter() - started
    started = time.perf_counter()
    document = weekly_report.html(summary, "ru")
    out["weekly"] = {"week": week.label, "summary_seconds": round(built, 2),
                     "html_seconds": round(time.perf_counter() - started, 2), "html_mb": round(len(document) / 1e6, 1),
                     "teams": len(summary["teams"]), "services": len(summary["services"])}
    return out


if __name__ == "__main__":
    import json

    from bench.common import bench_database
    print(json.dumps(run(bench_database()), indent=2))
