"""Knowledge-base suggestion times (docs/kb.md) at 100,000 articles: typical request subjects, subjects with
one typo and with two typos, as a requester types them on /portal/new or sends them to the bot.

Writes go to a scratch database of its own (okno_bench_kb_<random>, created and dropped here; DATABASE_URL
points at it only meanwhile). The articles are the demo's ~30, each copied with a varying tail ("кабинет 305")
until there are ARTICLES of them, so every query matches thousands, as in a large real knowledge base.
    python -m bench kb
Target: p95 under 300 ms for every kind of query.
"""
from __future__ import annotations

import os
import time

from sqlalchemy import text

ARTICLES = int(os.environ.get("BENCH_KB_ARTICLES", "100000"))
# The typo queries have no correctly spelt word besides stop words: the search must correct them to find anything
# (a query with one right word besides the typo fills its five suggestions from that word alone).
CASES = {
    "typical": ["Принтер не печатает", "не работает vpn", "доступ к 1С", "забыл пароль", "оформить отпуск"],
    "one_typo": ["Принтр", "не пичатает", "отпукс", "забыл паорль", "бухгалтерри"],
    "two_typos": ["Принтр не пичатает", "забылл паорль", "офромить отпукс", "доступп к бухгалтерри",
                  "сканнер не отпровляет"],
}


def _load(url: str, count: int) -> dict:
    """The demo's articles (published, for requesters) copied to `count` rows in one INSERT … SELECT."""
    from data import db
    from data.demo.kb import ARTICLES as DEMO
    engine = db.get_engine()
    started = time.perf_counter()
    with engine.begin() as c:
        c.execute(text("CREATE TEMP TABLE kb_seed (n int, title text, body text)"))
        c.execute(text("INSERT INTO kb_seed VALUES (:n, :t, :b)"),
                  [{"n": n, "t": a[0], "b": a[3]} for n, a in enumerate(DEMO)])
        c.execute(text(
            "INSERT INTO articles (title, body, state, visibility) "
            "SELECT s.title || ' — кабинет ' || (g % 997), s.body || E'\\n\\nКабинет ' || (g % 997) || '.', "
            "'published', 'requesters' FROM generate_series(1, :count) g "
            "JOIN kb_seed s ON s.n = g % (SELECT count(*) FROM kb_seed)"), {"count": count})
        c.execute(text("ANALYZE articles"))
        size = c.execute(text("SELECT pg_size_pretty(pg_total_relation_size('articles'))")).scalar()
        words = c.execute(text("SELECT count(*) FROM kb_words")).scalar() \
            if c.execute(text("SELECT to_regclass('kb_words')")).scalar() else None
    return {"articles": count, "load_s": round(time.perf_counter() - started, 1), "articles_table": size,
            "kb_words": words}


def measure(url: str, count: int = ARTICLES, repeat: int = 5) -> dict:
    from data import kb
    from data.db import read_session
    from bench.common import timed

    out = {"data": _load(url, count)}
    for kind, queries in CASES.items():
        samples, found = [], {}
        for query in queries:
            def once(query=query):
                with read_session() as s:
                    return len(kb.suggest(s, query))
            result = timed(once, repeat=repeat, warmup=1)
            samples.append(result["p95_ms"])
            found[query] = once()
        out[kind] = {"p95_ms_worst_query": max(samples), "p95_ms_per_query": dict(zip(queries, samples)),
                     "found": found}
    out["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return out


def run(url: str | None = None) -> dict:
    from data import db
    from data.ops.scratch import scratch_database
    server_url = url or db.database_url()
    with scratch_database(server_url, "okno_bench_kb", use=True) as scratch:
        return measure(scratch)


if __name__ == "__main__":
    import json
    import sys
    from bench.__main__ import _restore
    environment = dict(os.environ)
    try:
        print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else None), ensure_ascii=False, indent=2))
    finally:
        _restore(environment)
