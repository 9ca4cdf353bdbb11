"""Load test: simulated agents on one busy board, over real HTTP against gunicorn on loopback.

    python -m bench.load [--agents 50] [--seconds 120] [--cards 2000] [--workers 2] [--threads 16]
    (or as part of `python -m bench`; BENCH_LOAD_AGENTS / BENCH_LOAD_SECONDS shorten it there)

A scratch database gets the board benchmark's board (bench/board_seed.py: 2,000 open cards, 8 agent lanes);
gunicorn serves `app:server` from it (bench/live_app.py). Each simulated agent is a thread with its own
signed-in session (cookie, CSRF token) that does what the board page does in a browser:
  board_load  open /board/<id>: the page shell and the page layout (Dash's router), which holds the whole
              board rendered
              (board_first_load: the first one, all agents in the same second when the clock starts);
  poll        the board's 3-second poll with the revisions it holds (unchanged: 204, changed: the columns);
  move        drag a card of its lane to another column (the move callback; a card someone else moved
              meanwhile is refused with the conflict message — counted as `refused`, not as an error).
An agent polls every 3 s as the page does, moves a card every 10 s on average (BENCH_LOAD_MOVE_EVERY; 50
agents: 5 moves a second, a very busy team) and reloads the board about once a minute.
Prints JSON: per operation p50/p95/max in ms and counts; errors = 5xx, other non-2xx, faults shown by
the error boundary, timeouts. Targets: no errors; move p95 < 500 ms and poll p95 < 300 ms at 50 agents.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, select

from bench.board import pct, refresh_body
from bench.live_app import Browser, serve
from data.ops.cli import positive_int, positive_seconds

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POLL_S = 3.0  # the board page's dcc.Interval
MOVE_EVERY_S = float(os.environ.get("BENCH_LOAD_MOVE_EVERY", "10"))  # mean seconds between one agent's moves
RELOAD_EVERY_S = 60.0  # mean seconds between one agent's reloads of the whole board
SIGN_INS = threading.Semaphore(4)


class Tally:
    """Timings and outcomes of every simulated agent, by operation (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.samples: list[str] = []  # a few error bodies, for whoever reads the report

    def add(self, op: str, ms: float, outcome: str, detail: str = "") -> None:
        with self.lock:
            self.ms[op].append(ms)
            self.counts[op][outcome] += 1
            if outcome.startswith("error") and len(self.samples) < 5:
                self.samples.append(f"{op}: {outcome}: {detail[:200]}")

    def report(self) -> dict:
        out = {}
        for op, times in sorted(self.ms.items()):
            out[op] = {"n": len(times), "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                       "max_ms": round(max(times), 1), **dict(sorted(self.counts[op].items()))}
        return out

    def errors(self) -> int:
        return sum(n for c in self.counts.values() for k, n in c.items() if k.startswith("error"))


def outcome_of(response) -> str:
    if response.status_code >= 500:
        return f"error_{response.status_code}"
    if response.status_code not in (200, 204):
        return f"error_{response.status_code}"
    if response.status_code == 200 and '"okno-fault"' in response.text:
        return "error_fault"
    return "ok"


class Agent(threading.Thread):
    def __init__(self, n: int, base: str, email: str, info: dict, key: str, engine, clock: dict,
                 tally: Tally, start: threading.Barrier, go: threading.Event):
        super().__init__(daemon=True, name=f"agent-{n}")
        self.n, self.base, self.email, self.info, self.key = n, base, email, info, key
        self.db = engine  # shared by every agent: the card to drag is picked from the database
        self.clock, self.tally, self.start_barrier, self.go = clock, tally, start, go
        self.rnd = random.Random(n)
        self.move_every = clock["move_every"]
        self.revs = {"board": -1, "columns": {}}
        self.lane = info["lane_ids"][n % len(info["lane_ids"])]

    def timed(self, op: str, send) -> object | None:
        started = time.perf_counter()
        try:
            response = send()
        except Exception as err:  # noqa: BLE001 — a timeout or a refused connection is an error of the run
            self.tally.add(op, (time.perf_counter() - started) * 1000, "error_" + type(err).__name__, str(err))
            return None
        ms = (time.perf_counter() - started) * 1000
        outcome = outcome_of(response)
        if outcome == "ok" and op == "move" and response.status_code == 200 \
                and response.json().get("response", {}).get("board-msg", {}).get("children"):
            outcome = "refused"  # someone moved the card first (or a limit): the agent is told so
        self.tally.add(op, ms, outcome, response.text)
        return response if outcome in ("ok", "refused") else None

    def body(self, trigger: str, move=None, flt=None):
        i = self.info
        return refresh_body(self.key, i["column_ids"], i["lane_ids"], trigger, move=move, flt=flt,
                            board_id=i["board_id"], revs=self.revs)

    def remember(self, response) -> None:
        """Keep the revisions the page now holds: a callback's output, or the store in an opened page's layout."""
        if response is not None and response.status_code == 200:
            answer = response.json().get("response", {})
            revs = answer.get("board-revs", {}).get("data") or _store(answer.get("_pages_content"), "board-revs")
            if revs:
                self.revs = revs

    def load_board(self, browser: Browser, op: str = "board_load") -> None:
        def whole():
            # What Chromium sends to open the board (checked with its network log): the shell, then the page
            # layout, which holds the whole board rendered. (/board itself only redirects to the team's board.)
            return browser.page(f"/board/{self.info['board_id']}")
        self.remember(self.timed(op, whole))

    def move(self, browser: Browser) -> None:
        cols = self.info["column_ids"][:3]  # queue, in progress, waiting: not done (the board stays busy)
        with self.db.connect() as c:
            from data.models import Ticket
            row = c.execute(select(Ticket.id, Ticket.version, Ticket.column_id, Ticket.lane_id)
                            .where(Ticket.board_id == self.info["board_id"], Ticket.lane_id == self.lane,
                                   Ticket.column_id.in_(cols)).order_by(Ticket.id)
                            .offset(self.rnd.randrange(40)).limit(1)).first()
        if row is None:
            return
        to = self.rnd.choice([c for c in cols if c != row.column_id])
        move = {"ticket": row.id, "version": row.version, "column": to, "lane": self.lane,
                "from_column": row.column_id, "from_lane": row.lane_id, "ts": time.time()}
        self.remember(self.timed("move", lambda: browser.callback(self.body("board-move.data", move=move))))

    def sign_in(self) -> Browser | None:
        """Signing in hashes a password (deliberately slow): a few at a time, as a morning would spread them."""
        for attempt in range(3):
            with SIGN_INS:
                try:
                    return Browser(self.base, self.email, "okno", lang="ru")
                except Exception as err:  # noqa: BLE001 — counted; the run goes on without this agent
                    failure = err
            time.sleep(1 + attempt)
        self.tally.add("sign_in", 0.0, "error_" + type(failure).__name__, str(failure))
        return None

    def run(self) -> None:
        browser = self.sign_in()
        try:
            self.start_barrier.wait(timeout=600)  # every agent signed in
            self.go.wait(60)
            if browser is None:
                return
            self.deadline = self.clock["deadline"]
            # Every agent opens the board in the same second: a burst no team makes, timed on its own so that
            # it does not hide what a reload during the day costs.
            self.load_board(browser, "board_first_load")
            now = time.monotonic()
            # When each thing happens next: the page's poll every 3 s; a move and a reload of the board at
            # random (exponential) intervals around their means, as people do.
            due = {"poll": now + self.rnd.uniform(0, POLL_S), "move": now + self.rnd.expovariate(1 / self.move_every),
                   "load": now + self.rnd.expovariate(1 / RELOAD_EVERY_S)}
            while True:
                op = min(due, key=due.get)
                if due[op] >= self.deadline:
                    break
                time.sleep(max(0.0, due[op] - time.monotonic()))
                if op == "poll":
                    self.remember(self.timed("poll", lambda: browser.callback(self.body("board-poll.n_intervals"))))
                    due["poll"] += POLL_S
                elif op == "move":
                    self.move(browser)
                    due["move"] = time.monotonic() + self.rnd.expovariate(1 / self.move_every)
                else:
                    self.load_board(browser)
                    due["load"] = time.monotonic() + self.rnd.expovariate(1 / RELOAD_EVERY_S)
        finally:
            if browser is not None:
                browser.close()


def _store(tree, store_id: str):
    """The data of the dcc.Store `store_id` somewhere in a serialised layout (None when absent)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == store_id:
                return props.get("data")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def measure(url: str, agents: int, seconds: float, cards: int, workers: int, threads: int,
            move_every: float = MOVE_EVERY_S) -> dict:
    from bench.board_seed import seed
    from sqlalchemy.orm import Session
    engine = create_engine(url)
    with Session(engine) as s:
        info = seed(s, cards=cards, agents=8)
        s.commit()
    engine.dispose()
    tally = Tally()
    log = Path(tempfile.mkdtemp(prefix="okno-load-")) / "gunicorn.log"
    with serve(url, workers=workers, threads=threads, app_name="okno-load", log_path=log) as base:
        probe = Browser(base, info["manager_email"], "okno")
        key = next(d["output"] for d in probe.dependencies() if "board-revs.data" in d["output"])
        probe.close()
        domain = info["manager_email"].split("@")[1]
        emails = [f"agent{i}@{domain}" for i in range(8)]
        barrier, go, clock = threading.Barrier(agents + 1), threading.Event(), {"move_every": move_every}
        picker = create_engine(url, pool_size=3, max_overflow=0, pool_timeout=60)
        crew = [Agent(n, base, emails[n % len(emails)], info, key, picker, clock, tally, barrier, go)
                for n in range(agents)]
        for a in crew:
            a.start()
        barrier.wait(timeout=600)  # every agent signed in: the clock starts now
        started = time.monotonic()
        clock["deadline"] = started + seconds
        go.set()
        for a in crew:
            a.join(seconds + 120)
        elapsed = time.monotonic() - started
        picker.dispose()
    ops = tally.report()
    total = sum(o["n"] for o in ops.values())
    logged = [line for line in log.read_text(errors="replace").splitlines() if " ERROR " in line or "WORKER TIMEOUT" in line]
    return {"agents": agents, "seconds": round(elapsed, 1), "cards_open": cards, "gunicorn": f"{workers}x{threads}",
            "move_every_s": move_every, "poll_every_s": POLL_S,
            "operations": ops, "requests": total, "operations_per_s": round(total / elapsed, 1),
            "errors": tally.errors(), "error_samples": tally.samples,
            "server_errors_logged": len(logged), "server_error_samples": [line[:200] for line in logged[:5]],
            "cpus": os.cpu_count(), "load_average_after": [round(x, 1) for x in os.getloadavg()]}


def run(url: str | None = None, agents: int | None = None, seconds: float | None = None, cards: int = 2000,
        workers: int = 2, threads: int = 16, move_every: float = MOVE_EVERY_S) -> dict:
    """For `python -m bench`: a scratch database on the server of `url` (the moves commit)."""
    from data.ops.scratch import scratch_database
    agents = agents or int(os.environ.get("BENCH_LOAD_AGENTS", "50"))
    seconds = seconds or float(os.environ.get("BENCH_LOAD_SECONDS", "120"))
    with scratch_database(url or SERVER, "okno_bench_load") as scratch:
        return measure(scratch, agents, seconds, cards, workers, threads, move_every)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load")
    ap.add_argument("--agents", type=positive_int, default=50)
    ap.add_argument("--seconds", type=positive_seconds, default=120)
    ap.add_argument("--cards", type=positive_int, default=2000)
    ap.add_argument("--workers", type=positive_int, default=2)
    ap.add_argument("--threads", type=positive_int, default=16)
    a = ap.parse_args(argv)
    print(json.dumps(run(None, a.agents, a.seconds, a.cards, a.workers, a.threads), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
