"""Global search for staff: a ticket's number, title, description, form answers, its conversation and its
requester (name, email, channel addresses), ranked, with the matching words marked.

Full-text first (the generated `search_tsv` columns of migration ux_0001, `russian` configuration: Russian
words by the Russian stemmer, Latin-script words by the English one). When that finds nothing, titles
that look like the words (typos) by trigram word similarity, where the server has pg_trgm; without it,
a plain substring match. Only tickets the viewer may read (permissions.ticket_scope); requesters are
not staff and never get here (require_reader).
"""
from __future__ import annotations

import re

from sqlalchemy import Float, String, column, func, literal, literal_column, or_, select, table, union_all
from sqlalchemy.orm import Session

from data import permissions
from data.models import BoardColumn, Comment, Requester, RequesterIdentity, Ticket

LIMIT = 50
MAX_QUERY = 200
START, STOP = "\u27e6", "\u27e7"  # ⟦ ⟧ around a match in a headline; the page turns them into <mark>
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter= … "
NUMBER = re.compile(r"^#?(\d{1,12})$")
CONFIG = literal_column("'russian'::regconfig")
TicketText = table("tickets", column("id"), column("search_tsv"))
CommentText = table("comments", column("ticket_id"), column("search_tsv"))
# Where a hit was found counts: a title word beats a word in a reply, a reply beats the requester's name.
COMMENT_WEIGHT, REQUESTER_RANK, NUMBER_RANK = 0.5, 0.05, 100.0
SIMILAR = 0.4


def _trgm(session: Session) -> bool:
    known = session.info.setdefault("okno_has_trgm", {})
    if "v" not in known:
        known["v"] = session.scalar(select(literal(1)).select_from(table("pg_extension"))
                                    .where(literal_column("extname") == "pg_trgm")) is not None
    return known["v"]


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _requester_ids(text: str):
    """Requesters whose name, email or a channel address contains the text."""
    like = _like(text)
    by_person = select(Requester.id).where(or_(func.lower(Requester.name).like(like),
                                               func.lower(Requester.email).like(like)))
    by_address = select(RequesterIdentity.requester_id).where(or_(
        func.lower(RequesterIdentity.address).like(like), func.lower(RequesterIdentity.display).like(like)))
    return union_all(by_person, by_address).limit(200)


def _hits(text: str, tsq):
    """(ticket id, rank) of every way the text matches, before the read scope and ranking."""
    parts = [
        select(TicketText.c.id.label("id"), func.ts_rank(TicketText.c.search_tsv, tsq).label("rank"))
        .where(TicketText.c.search_tsv.op("@@")(tsq)),
        select(CommentText.c.ticket_id.label("id"),
               (func.ts_rank(CommentText.c.search_tsv, tsq) * COMMENT_WEIGHT).label("rank"))
        .where(CommentText.c.search_tsv.op("@@")(tsq)),
    ]
    if len(text) >= 3:
        parts.append(select(Ticket.id.label("id"), literal(REQUESTER_RANK, Float).label("rank"))
                     .where(Ticket.requester_id.in_(_requester_ids(text))))
    number = NUMBER.match(text)
    if number:
        parts.append(select(Ticket.id.label("id"), literal(NUMBER_RANK, Float).label("rank"))
                     .where(Ticket.number == int(number.group(1))))
    return union_all(*parts).subquery("hits")


def _ranked(session: Session, user, hits, limit: int) -> list[tuple[int, float]]:
    best = select(hits.c.id, func.max(hits.c.rank).label("rank")).group_by(hits.c.id).subquery("best")
    stmt = (select(Ticket.id, best.c.rank).join(best, best.c.id == Ticket.id)
            .where(permissions.ticket_scope(session, user))
            .order_by(best.c.rank.desc(), Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in session.execute(stmt)]


def _fuzzy(session: Session, user, text: str, limit: int) -> list[tuple[int, float]]:
    """Titles like the text (a typo, a word cut short): trigram word similarity, else a substring."""
    title = func.lower(Ticket.title)
    if _trgm(session):
        # The default 0.6 misses two typos in three words; 0.4 still leaves unrelated titles out.
        session.execute(select(func.set_config("pg_trgm.word_similarity_threshold", str(SIMILAR), True)))
        similarity = func.word_similarity(text.lower(), title)
        stmt = select(Ticket.id, similarity).where(literal(text.lower(), String).op("<%")(title))
        order = [similarity.desc()]
    else:
        stmt = select(Ticket.id, literal(0.0, Float)).where(title.like(_like(text)))
        order = []
    stmt = stmt.where(permissions.ticket_scope(session, user)).order_by(*order, Ticket.created_at.desc()).limit(limit)
    return [(r[0], r[1]) for r in session.execute(stmt)]


def _shown(session: Session, ids: list[int], tsq) -> dict[int, dict]:
    """Number, status, column, title and a snippet with the matches marked, for the found tickets only
    (ts_headline reads the whole text, so it runs on the page of results, never on every hit)."""
    opts = literal(HEADLINE)
    rows = session.execute(
        select(Ticket.id, Ticket.number, Ticket.status, Ticket.created_at, BoardColumn.name,
               func.ts_headline(CONFIG, Ticket.title, tsq, literal(f"{HEADLINE}, HighlightAll=true")),
               func.ts_headline(CONFIG, func.left(Ticket.description, 20000), tsq, opts),
               func.left(Ticket.description, 300))
        .outerjoin(BoardColumn, BoardColumn.id == Ticket.column_id).where(Ticket.id.in_(ids)))
    found = {r[0]: {"id": r[0], "number": r[1], "status": r[2], "created_at": r[3], "column": r[4], "title": r[5],
                    "snippet": r[6] if START in (r[6] or "") else (r[7] or ""), "in": "ticket"}
             for r in rows}
    # A hit only in the conversation: show the best matching message instead of the description.
    pending = [i for i, f in found.items() if START not in f["snippet"]]
    if pending:
        by_ticket = (select(Comment.ticket_id, func.ts_headline(CONFIG, func.left(Comment.body, 20000), tsq, opts))
                     .where(Comment.ticket_id.in_(pending), literal_column("comments.search_tsv").op("@@")(tsq))
                     .distinct(Comment.ticket_id).order_by(Comment.ticket_id, Comment.id.desc()))
        for ticket_id, snippet in session.execute(by_ticket):
            found[ticket_id].update(snippet=snippet, **{"in": "message"})
    return found


def search(session: Session, user, text: str | None, limit: int = LIMIT) -> dict:
    """{"query", "mode" ("text" | "similar" | "none"), "results": [...best first]} for a staff reader.

    Each result: id, number, status, column, created_at, title and snippet (matches between START and STOP),
    and "in": where the snippet comes from ("ticket" or "message")."""
    permissions.require_reader(user)
    text = " ".join((text or "").split())[:MAX_QUERY]
    if not text:
        return {"query": "", "mode": "none", "results": []}
    tsq = func.websearch_to_tsquery(CONFIG, text)
    ranked, mode = _ranked(session, user, _hits(text, tsq), limit), "text"
    if not ranked and len(text) >= 3:
        ranked, mode = _fuzzy(session, user, text, limit), "similar"
    shown = _shown(session, [i for i, _rank in ranked], tsq) if ranked else {}
    return {"query": text, "mode": mode if ranked else "none",
            "results": [shown[i] | {"rank": rank} for i, rank in ranked if i in shown]}


def marked(text: str | None) -> list[tuple[str, bool]]:
    """A headline as (piece, is_match) pairs, for rendering without trusting it as HTML."""
    pieces, rest = [], text or ""
    while START in rest:
        before, rest = rest.split(START, 1)
        match, _sep, rest = rest.partition(STOP)
        pieces += [(before, False), (match, True)]
    pieces.append((rest, False))
    return [(p, m) for p, m in pieces if p]
