"""Blocked time: how long cards were blocked in the period, which cards, and why (by reason).

A block runs from a `blocked` event to the ticket's next `blocked` or `unblocked` event (blocking again
with another reason starts a new block); a block still on counts up to now. Only the part inside the
period counts, so a block across midnight or across the period's edge is split exactly.

Reasons are free text, so the same reason comes spelled many ways ("Ждём ответ поставщика!",
"ждем ответ  поставщика"). They are grouped by a normalised key: lower case, ё → е, punctuation and
runs of spaces → one space, trimmed. We chose this over trigram similarity: it is exact and
predictable (two reasons are merged only when they are the same words), costs nothing in SQL, needs no
extension (pg_trgm may be absent), and never merges different reasons that merely look alike
("нет доступа к 1С" and "нет доступа к VPN"). Each group is shown under its most frequent spelling.
Cyrillic capitals are lowered with translate() because lower() follows the database's ctype, which
may be "C".
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import User
from data.metrics import require_analytics, rows
from data.metrics.filters import TicketFilter, range_params, where
from data.metrics.stays import blocked_spans, seconds

TOP_REASONS = 10
TOP_CARDS = 15
HOUR = 3600.0
CAPITALS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯё"
SMALL = CAPITALS.lower().replace("ё", "е")
# Punctuation, spaces (with no-break and thin ones) and the typographic marks Russian text uses.
STOP = "least(CAST(:end AS timestamptz), now())"  # a block still on counts up to now
SEPARATORS = "[[:space:][:punct:]\u00a0\u2009\u202f«»„“”‘’—–…№]+"


def reason_key(column: str) -> str:
    """SQL: the normalised grouping key of a reason (see the module docstring)."""
    return (f"btrim(regexp_replace(lower(translate(coalesce({column}, ''), :capitals, :small)),"
            f" :separators, ' ', 'g'))")


def _spans(w: str) -> str:
    """Blocks of the filtered tickets clipped to the period, up to now."""
    scope = f"SELECT t.id FROM tickets t WHERE {w} AND t.created_at < :end"
    return f"""
        SELECT b.ticket_id, b.reason, {reason_key('b.reason')} AS key,
               {seconds(f'least(coalesce(b.until, {STOP}), {STOP}) - greatest(b.since, :start)')} AS secs
        FROM ({blocked_spans(scope)}) b
        WHERE least(coalesce(b.until, {STOP}), {STOP}) > greatest(b.since, :start)"""


def blocked_time(session: Session, actor: User, f: TicketFilter, *, top_reasons: int = TOP_REASONS,
                 top_cards: int = TOP_CARDS) -> dict:
    """{"total_h", "cards", "blocks", "per_card_h" (mean over blocked cards), "reasons": [{"reason", "hours",
    "blocks", "cards", "spellings"}] (largest total first), "top_cards": [{"number", "title", "hours",
    "blocks", "reason"}]}."""
    require_analytics(actor)
    w, params = where(f)
    params |= range_params(f) | {"capitals": CAPITALS, "small": SMALL, "separators": SEPARATORS}
    spans = _spans(w)
    total = rows(session, f"""
        WITH s AS ({spans})
        SELECT coalesce(sum(secs), 0) AS secs, count(DISTINCT ticket_id) AS cards, count(*) AS blocks FROM s""",
                 params)[0]
    reasons = rows(session, f"""
        WITH s AS ({spans})
        SELECT mode() WITHIN GROUP (ORDER BY btrim(reason)) AS reason, sum(secs) / {HOUR} AS hours,
               count(*) AS blocks, count(DISTINCT ticket_id) AS cards, count(DISTINCT btrim(reason)) AS spellings
        FROM s GROUP BY key ORDER BY sum(secs) DESC, key LIMIT :top""", params | {"top": top_reasons})
    cards = rows(session, f"""
        WITH s AS ({spans})
        SELECT t.number, t.title, sum(s.secs) / {HOUR} AS hours, count(*) AS blocks,
               mode() WITHIN GROUP (ORDER BY btrim(s.reason)) AS reason
        FROM s JOIN tickets t ON t.id = s.ticket_id
        GROUP BY t.id ORDER BY sum(s.secs) DESC, t.number LIMIT :top""", params | {"top": top_cards})
    hours = total["secs"] / HOUR
    return {"total_h": hours, "cards": total["cards"], "blocks": total["blocks"],
            "per_card_h": hours / total["cards"] if total["cards"] else None,
            "reasons": reasons, "top_cards": cards}
