"""Run the benchmark suite: each `bench/<name>.py` with a `run()` function; prints one JSON document.

The suite needs a database with a million demo tickets. It uses BENCH_DATABASE_URL when set,
otherwise it creates `okno_bench` on DATABASE_URL's server (loading takes minutes) and keeps it.
    python -m bench                 # every benchmark
    python -m bench ticket_list     # some of them
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time

from bench.common import bench_database


def main(names: list[str]) -> int:
    url = bench_database()
    import bench  # run as `python -m bench`, this module has no __path__ of its own
    modules = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith(("_", "common"))]
    results = {}
    for name in names or sorted(modules):
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        started = time.perf_counter()
        results[name] = module.run(url)
        results[name]["_seconds"] = round(time.perf_counter() - started, 1)
        print(f"# {name} done", file=sys.stderr, flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
