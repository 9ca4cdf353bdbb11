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
    """Blocks of the filtered tickets clipped to the period, up to now.

    The spans come from the block and unblock events alone (ix_ticket_events_blocks: a few per blocked card,
    in the order the spans are read); only the spans inside the period are then matched to their tickets by
    key, and only when the filter asks about the tickets (an empty filter needs no ticket at all)."""
    clipped = f"least(coalesce(b.until, {STOP}), {STOP})"
    tickets = "" if w == "TRUE" else f" JOIN tickets t ON t.id = b.ticket_id AND {w} AND t.created_at < :end"
    return f"""
        SELECT b.ticket_id, b.reason, {seconds(f'{clipped} - greatest(b.since, :start)')} AS secs
        FROM ({blocked_spans()}) b{tickets}
        WHERE {clipped} > greatest(b.since, :start)"""


def blocked_time(session: Session, actor: User, f: TicketFilter, *, top_reasons: int = TOP_REASONS,
                 top_cards: int = TOP_CARDS) -> dict:
    """{"total_h", "cards", "blocks", "per_card_h" (mean over blocked cards), "reasons": [{"reason", "hours",
    "blocks", "cards", "spellings"}] (largest total first), "top_cards": [{"number", "title", "hours",
    "blocks", "reason"}]}."""
    require_analytics(actor)
    w, params = where(f)
    params |= range_params(f) | {"capitals": CAPITALS, "small": SMALL, "separators": SEPARATORS,
                                 "top_reasons": top_reasons, "top_cards": top_cards}
    # One statement: the spans are found once for the three answers (JSON numbers read back as the floats
    # rows() would give).
    found = rows(session, f"""
        WITH s AS MATERIALIZED ({_spans(w)}),
        -- The grouping key of each spelling once (a handful), not of each block (tens of thousands).
        keys AS MATERIALIZED (SELECT r.reason, {reason_key('r.reason')} AS key FROM (SELECT DISTINCT coalesce(reason, '') AS reason FROM s) r),
        reasons AS (
          SELECT mode() WITHIN GROUP (ORDER BY btrim(s.reason)) AS reason, sum(s.secs) / {HOUR} AS hours,
                 count(*) AS blocks, count(DISTINCT s.ticket_id) AS cards, count(DISTINCT btrim(s.reason)) AS spellings,
                 sum(s.secs) AS secs, k.key
          FROM s JOIN keys k ON k.reason = coalesce(s.reason, '')
          GROUP BY k.key ORDER BY sum(s.secs) DESC, k.key LIMIT :top_reasons),
        per_card AS MATERIALIZED (SELECT ticket_id, sum(secs) AS secs, count(*) AS blocks FROM s GROUP BY ticket_id),
        -- Only the cards at or above the top_cards-th longest total are looked up (ties at it included).
        cut AS (SELECT secs FROM per_card ORDER BY secs DESC LIMIT 1 OFFSET :top_cards - 1),
        cards AS (
          SELECT t.number, t.title, sum(s.secs) / {HOUR} AS hours, count(*) AS blocks,
                 mode() WITHIN GROUP (ORDER BY btrim(s.reason)) AS reason, sum(s.secs) AS secs
          FROM per_card p JOIN s ON s.ticket_id = p.ticket_id JOIN tickets t ON t.id = p.ticket_id
          WHERE p.secs >= coalesce((SELECT secs FROM cut), 0)
          GROUP BY t.id ORDER BY sum(s.secs) DESC, t.number LIMIT :top_cards)
        SELECT (SELECT coalesce(sum(secs), 0) FROM per_card) AS secs, (SELECT count(*) FROM per_card) AS cards,
               (SELECT coalesce(sum(blocks), 0) FROM per_card)::int AS blocks,
               (SELECT coalesce(json_agg(json_build_object('reason', reason, 'hours', hours, 'blocks', blocks,
                                                           'cards', cards, 'spellings', spellings)
                                         ORDER BY secs DESC, key), '[]') FROM reasons) AS reasons,
               (SELECT coalesce(json_agg(json_build_object('number', number, 'title', title, 'hours', hours,
                                                           'blocks', blocks, 'reason', reason)
                                         ORDER BY secs DESC, number), '[]') FROM cards) AS top_cards""", params)[0]
    hours = found["secs"] / HOUR
    return {"total_h": hours, "cards": found["cards"], "blocks": found["blocks"],
            "per_card_h": hours / found["cards"] if found["cards"] else None,
            "reasons": found["reasons"], "top_cards": found["top_cards"]}
