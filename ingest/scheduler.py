"""`python -m ingest scheduler`: run data.scheduler.tick once a minute (SLA signals, time-based rules)."""
from __future__ import annotations

import argparse
import json
import logging
import time

from data import db, scheduler

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest scheduler")
    parser.add_argument("--once", action="store_true", help="run one tick and exit")
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between ticks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
        if args.once:
            return 0
        time.sleep(max(1.0, args.interval - (time.monotonic() - started)))
