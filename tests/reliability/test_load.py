"""A short run of the load benchmark (bench/load.py): simulated agents on one board over real HTTP —
board loads, polls and moves through the Dash callbacks — with no error and no 5xx. The full run (50
agents, 2 minutes) is `make bench`; its figures are in docs/benchmarks.md."""
from __future__ import annotations

from bench.load import run
from tests.reliability.live import server_url


def test_five_agents_for_ten_seconds_see_no_error():
    result = run(server_url(), agents=5, seconds=10, cards=400, move_every=2)
    ops = result["operations"]
    assert result["errors"] == 0, result["error_samples"]
    assert {"board_load", "poll", "move"} <= set(ops), ops
    assert all(op["n"] > 0 for op in ops.values())
    assert not any(key.startswith("error") for op in ops.values() for key in op)
