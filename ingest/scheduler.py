"""`python -m ingest scheduler [--once]`: run data.automation.scheduler.tick (SLA signals, time-based rules)
and bring the analytics daily rollup up to date.

`--once` is for operators (one tick now, e.g. from cron or after a restore). The job worker
(`python -m ingest worker`) runs the same work as periodic jobs and is what to run in production;
this loop without `--once` remains for a single host without the worker."""
from __future__ import annotations

import argparse
import json
import logging
import time

from data import db
from data.ops.cli import positive_seconds
from data.automation import scheduler
from data.metrics import rollup

ROLLUP_EVERY = 300.0  # seconds; the analytics pages show how fresh their daily totals are

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest scheduler")
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    parser.add_argument("--interval", type=positive_seconds, default=60.0, help="seconds between ticks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    last_rollup = float("-inf")
    while True:
        started = time.monotonic()
        try:
            with db.session_scope() as s:
                counts = scheduler.tick(s)
            if any(counts.values()) or args.once:
                log.info("tick %s", json.dumps(counts))
        except Exception:  # a bad tick must not stop the worker; the next one retries
            log.exception("scheduler tick failed")
            if args.once:
                return 1
        if time.monotonic() - last_rollup >= ROLLUP_EVERY:
            last_rollup = time.monotonic()
            try:
                with db.session_scope(rollup.ROLLUP_ISOLATION) as s:
                    log.info("analytics rollup: %s tickets redone", rollup.refresh(s))
            except Exception:  # analytics fall back to live queries; retry next time
                log.exception("analytics rollup refresh failed")
        if args.once:
            return 0
        time.sleep(max(1.0, args.interval - (time.monotonic() - started)))
