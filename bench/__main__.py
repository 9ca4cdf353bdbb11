"""Run the benchmark suite: each `bench/<name>.py` with a `run()` function; prints one JSON document.

The suite needs a database with a million demo tickets. It uses BENCH_DATABASE_URL when set,
otherwise it creates `okno_bench` on DATABASE_URL's server (loading takes minutes) and keeps it.
    python -m bench                 # every benchmark
    python -m bench ticket_list     # some of them
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import secrets
import sys
import time
import traceback

from bench.common import bench_database
from data.config import weak_key


def main(names: list[str]) -> int:
    # The benchmarks build the app in this process; it refuses to start without a strong key.
    if weak_key(os.environ.get("SECRET_KEY")):
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
    url = bench_database()
    import bench  # run as `python -m bench`, this module has no __path__ of its own
    modules = [m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith(("_", "common"))]
    results, failed = {}, []
    environment = dict(os.environ)
    for name in names or sorted(modules):
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        started = time.perf_counter()
        try:
            results[name] = module.run(url)
        except Exception as exc:  # noqa: BLE001 - one failing benchmark must not hide the others' figures
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            failed.append(name)
        finally:
            _restore(environment)  # a benchmark that pointed DATABASE_URL elsewhere does not leak it
        results[name]["_seconds"] = round(time.perf_counter() - started, 1)
        results[name]["_load_average"] = [round(x, 1) for x in os.getloadavg()]
        print(f"# {name} {'FAILED' if name in failed else 'done'}", file=sys.stderr, flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return 1 if failed else 0


def _restore(environment: dict) -> None:
    from data import db
    moved = os.environ.get("DATABASE_URL") != environment.get("DATABASE_URL")
    if dict(os.environ) != environment:
        os.environ.clear()
        os.environ.update(environment)
    if moved:
        db.reset_engine()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
