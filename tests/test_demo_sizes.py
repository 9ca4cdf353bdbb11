"""`python -m data demo` works at every size, and refuses a size that makes no sense with a message."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from data.demo import load
from data.ops.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("size", [1, 10, 50])
def test_a_small_demo_loads_that_many_requests(database_url, size):
    with scratch_database(database_url, "okno_small_demo") as url:
        engine = create_engine(url)
        try:
            assert load(engine, tickets=size, seed=7)["tickets"] == size
            with engine.connect() as c:
                assert c.execute(text("SELECT count(*) FROM tickets WHERE parent_id IS NULL")).scalar() == size
        finally:
            engine.dispose()


@pytest.mark.parametrize("size", ["0", "-3", "many"])
def test_a_senseless_size_is_refused_with_a_message_not_a_traceback(size):
    done = subprocess.run([sys.executable, "-m", "data", "demo", f"--tickets={size}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "argument --tickets" in done.stderr and "Traceback" not in done.stderr
