"""The demo's satisfaction ratings: a question for every resolved ticket with a requester, about a third
answered, mostly 4–5 with a few low scores and comments, so the card, Team analytics and the weekly
summary show real figures. One INSERT … SELECT: the demo may hold a million tickets. It runs after the
load's commit, beside the index builds (build.py): the ratings' indexes and keys are made once it is done."""
from __future__ import annotations

from datetime import datetime

# Comments by score, picked by the ticket id; NULL = no comment.
COMMENTS = {
    1: ["Проблему так и не решили, пришлось звонить", "Ждал ответа три дня"],
    2: ["Долго, и пришлось объяснять дважды", "Решили, но без объяснений"],
    3: ["Нормально", None],
    4: ["Спасибо!", None, None],
    5: ["Спасибо, очень быстро!", "Отлично, всё работает", None, None],
}


def _comment_sql() -> str:
    cases = []
    for score, texts in COMMENTS.items():
        arr = ", ".join("NULL" if t is None else "'" + t.replace("'", "''") + "'" for t in texts)
        cases.append(f"WHEN {score} THEN (ARRAY[{arr}]::text[])[1 + (t.id / 7) % {len(texts)}]")
    return "CASE s.score " + " ".join(cases) + " END"


def statement(now: datetime) -> str:
    """The INSERT of the questions for the resolved tickets, as of `now` (the load's transaction time: the
    statement runs after the commit); hashint8(t.id) stands in for chance, so reloads match."""
    return f"""INSERT INTO ratings (ticket_id, resolution, resolved_at, requester_id, agent_id, channel, token_hash,
                             asked_at, expires_at, score, comment, rated_at)
        SELECT t.id, t.reopened_count, t.resolved_at, t.requester_id, t.assignee_id,
               CASE WHEN t.channel IN ('email', 'telegram') THEN t.channel ELSE 'portal' END,
               encode(sha256(convert_to(random()::text || clock_timestamp()::text || '-' || t.id, 'UTF8')), 'hex'),  -- no link: unguessable
               t.resolved_at, t.resolved_at + interval '7 days',
               s.score, CASE WHEN s.score IS NULL THEN NULL ELSE {_comment_sql()} END,
               CASE WHEN s.score IS NULL THEN NULL ELSE t.resolved_at + interval '3 hours' END
        FROM tickets t
        CROSS JOIN LATERAL (SELECT CASE
            WHEN t.resolved_at + interval '3 hours' > '{now.isoformat()}'::timestamptz OR abs(hashint8(t.id)::bigint) % 100 >= 35 THEN NULL
            WHEN abs(hashint8(-t.id)::bigint) % 100 < 4 THEN 1
            WHEN abs(hashint8(-t.id)::bigint) % 100 < 10 THEN 2
            WHEN abs(hashint8(-t.id)::bigint) % 100 < 22 THEN 3
            WHEN abs(hashint8(-t.id)::bigint) % 100 < 50 THEN 4
            ELSE 5 END AS score) AS s
        WHERE t.status = 'done' AND t.resolved_at IS NOT NULL AND t.requester_id IS NOT NULL"""
