"""Global search times (docs/search.md) on the bench database: common and rare words, a requester, a number,
a phrase, English, and a typo that falls back to trigram similarity. Target: p95 under 300 ms."""
from __future__ import annotations

from sqlalchemy import func, select


def run(url: str) -> dict:
    from data.db import read_session
    from data.models import Requester, Ticket, User
    from data.tickets import search
    from bench.common import timed

    with read_session() as s:
        admin = s.scalar(select(User).where(User.email == "admin@okno.demo"))
        agent = s.scalar(select(User).where(User.email == "agent@okno.demo"))
        surname = s.scalar(select(Requester.name).order_by(Requester.id).limit(1)).split()[-1]
        number = s.scalar(select(func.max(Ticket.number)))
        s.expunge_all()
    cases = {
        "common_word": "принтер", "two_words": "принтер полосами", "phrase": '"нет интернета"',
        "english": "printer", "requester_surname": surname, "number": f"#{number}", "typo": "принетр пичатает",
        "rare_nothing": "эвкалиптовый",
    }
    out = {}
    for who, user in (("admin", admin), ("agent", agent)):
        for name, query in cases.items():
            def once():
                with read_session() as s:
                    return len(search.search(s, user, query)["results"])
            out[f"{who}_{name}"] = timed(once, repeat=10) | {"found": once()}
    return out
