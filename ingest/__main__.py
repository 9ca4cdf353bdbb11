"""`python -m ingest <channel> [options]`: run one channel's worker (its module's main(argv) -> int)."""
from __future__ import annotations

import importlib
import logging
import sys

from data.ops.cli import run
from data.config import InsecureConfig, check_secrets

# channel name -> module with main(argv). Each channel adds its entry here.
CHANNELS = {
    "email": "ingest.email.cli",
    "telegram": "ingest.telegram.bot",
    "scheduler": "ingest.scheduler",
    "worker": "ingest.worker",  # the job queue: every periodic job above, on any number of hosts
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in CHANNELS:
        given = f"no channel {argv[0]!r}" if argv else "no channel given"
        print(f"python -m ingest: error: {given}; usage: python -m ingest {{{'|'.join(sorted(CHANNELS))}}} "
              "[options]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        check_secrets()  # every worker signs, hashes PINs or decrypts mailbox passwords with the keys
    except InsecureConfig as refusal:
        print(refusal, file=sys.stderr)
        return 2
    channel = importlib.import_module(CHANNELS[argv[0]])
    return run(lambda: channel.main(argv[1:]) or 0)  # a refusal is one line, exit 2 (data/ops/cli.py)


if __name__ == "__main__":
    sys.exit(main())
