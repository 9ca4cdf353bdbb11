"""`python -m ingest <channel> [options]`: run one channel's worker (its module's main(argv))."""
from __future__ import annotations

import importlib
import sys

CHANNELS = {
    "telegram": "ingest.telegram",
    "scheduler": "ingest.scheduler",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in CHANNELS:
        print(f"usage: python -m ingest {{{'|'.join(sorted(CHANNELS))}}} [options]", file=sys.stderr)
        return 2
    return importlib.import_module(CHANNELS[argv[0]]).main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main())
