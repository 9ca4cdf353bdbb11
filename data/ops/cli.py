"""What every command line of Okno shares (`python -m data …`, `python -m ingest …`): argument types that
refuse 0, negatives, non-numbers and ids PostgreSQL cannot hold as argparse usage errors (exit 2), and one
boundary that turns a refusal into one line on stderr — never a traceback for something the operator typed.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from data import db
from data.db import MAX_ID
from data.errors import OknoError



def positive_int(value: str) -> int:
    """A whole number of 1 or more (sizes, counts, batches)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is too small: give 1 or more")
    return number


def row_id(value: str) -> int:
    """The id of a row: 1 up to PostgreSQL's largest integer."""
    number = positive_int(value)
    if number > MAX_ID:
        raise argparse.ArgumentTypeError(f"{number} is not an id (too large)")
    return number


def positive_seconds(value: str) -> float:
    """A duration in seconds, more than 0."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{value} seconds: give a number more than 0")
    return seconds


def seconds_or_zero(value: str) -> float:
    """A duration in seconds, 0 allowed (a grace period that may be none)."""
    return 0.0 if value.strip() in ("0", "0.0") else positive_seconds(value)


def run(command: Callable[[], int]) -> int:
    """Run one command: a service's refusal is `error: …` on one line and exit 2 (as a usage error); a
    database that cannot be reached is one line and exit 1 — try again later. Anything else is a bug and
    keeps its traceback."""
    try:
        return command()
    except OknoError as err:
        print(f"error: {err}", file=sys.stderr)
        for field, message in getattr(err, "fields", {}).items():
            print(f"  {field}: {message}", file=sys.stderr)
        return 2
    except Exception as err:
        if not db.unreachable(err):
            raise
        print(f"error: the database is unreachable, nothing was changed; try again ({type(err).__name__})",
              file=sys.stderr)
        return 1
