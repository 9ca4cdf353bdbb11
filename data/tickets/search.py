"""Global search for staff: a ticket's number, title, description, form answers, its conversation and its
requester (name, email, channel addresses), ranked, with the matching words marked.

Full-text first (the generated `search_tsv` columns of migration ux_0001, `russian` configuration: Russian
words by the Russian stemmer, Latin-script words by the English one). When that finds nothing, each word is
widened to the subject words that look like it (trigram similarity over `search_words`, a short list kept by
a trigger) and the full-text search runs again, so typos still find — and mark — the right words. Without
pg_trgm on the server, a plain substring match of subjects. Only tickets the viewer may read (permissions.ticket_scope); requesters are
not staff and never get here (require_reader).
"""
from __future__ import annotations

import re

from sqlalchemy import Float, column, func, literal, literal_column, or_, select, table, union_all
from sqlalchemy.orm import Session

from data import permissions
from data.models import BoardColumn, Comment, Requester, RequesterIdentity, Ticket

LIMIT = 50
MAX_QUERY = 200
START, STOP = "\u27e6", "\u27e7"  # ⟦ ⟧ around a match in a headline; the page turns them into <mark>
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter= … "
NUMBER = re.compile(r"^#?(\d{1,12})$")
CONFIG = literal_column("'russian'::regconfig")
SearchWords = table("search_words", column("word"))  # migration ux_0001: the words of every subject
MAX_WORDS = 5
# The generated columns of migration ux_0001, not mapped on the models (a card never needs them).
TSV, CTSV = literal_column("tickets.search_tsv"), literal_column("comments.search_tsv")
CANDIDATES = 2000  # per kind of match (ticket text, messages): the newest this many are ranked
# Where a hit was found counts: a title word beats a word in a reply, a reply beats the requester's name.
COMMENT_WEIGHT, REQUESTER_RANK, NUMBER_RANK = 0.5, 0.05, 100.0


def has_trgm(session: Session) -> bool:
    """Whether the server has pg_trgm (asked once per session); the knowledge-base search asks too."""
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


def _newest(stmt, key):
    """The newest CANDIDATES of a match, by id: a common word stops after that many instead of ranking every
    ticket that has it (walking the primary key backwards until enough match, or a bitmap scan when few do)."""
    return stmt.order_by(key.desc()).limit(CANDIDATES).subquery()


def _hits(text: str, tsq, scope):
    """(ticket id, rank) of every way the text matches, within the read scope, before ranking."""
    tickets = _newest(select(Ticket.id).where(TSV.op("@@")(tsq), scope), Ticket.id)
    messages = _newest(select(Comment.id).join(Ticket, Ticket.id == Comment.ticket_id)
                       .where(CTSV.op("@@")(tsq), scope), Comment.id)
    parts = [
        select(Ticket.id.label("id"), func.ts_rank(TSV, tsq).label("rank")).where(Ticket.id.in_(select(tickets.c.id))),
        select(Comment.ticket_id.label("id"), (func.ts_rank(CTSV, tsq) * COMMENT_WEIGHT).label("rank"))
        .where(Comment.id.in_(select(messages.c.id))),
    ]
    if len(text) >= 3:
        parts.append(select(Ticket.id.label("id"), literal(REQUESTER_RANK, Float).label("rank"))
                     .where(Ticket.requester_id.in_(_requester_ids(text)), scope))
    number = NUMBER.match(text)
    if number:
        parts.append(select(Ticket.id.label("id"), literal(NUMBER_RANK, Float).label("rank"))
                     .where(Ticket.number == int(number.group(1)), scope))
    return union_all(*parts).subquery("hits")


def _ranked(session: Session, hits, limit: int) -> list[tuple[int, float]]:
    best = select(hits.c.id, func.max(hits.c.rank).label("rank")).group_by(hits.c.id).subquery("best")
    stmt = (select(Ticket.id, best.c.rank).join(best, best.c.id == Ticket.id)
            .order_by(best.c.rank.desc(), Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in session.execute(stmt)]


def look_alikes(session: Session, words, word: str, limit: int = 3) -> list[str]:
    """The words of a one-column `words` table (ticket subjects' `search_words`, the knowledge base's `kb_words`)
    that look like `word` (pg_trgm similarity over the table's trigram index), most alike first."""
    similar = func.similarity(words.c.word, word)
    return list(session.scalars(select(words.c.word).where(words.c.word.op("%")(word), words.c.word != word)
                                .order_by(similar.desc()).limit(limit)))


def _corrected(session: Session, text: str):
    """The query with each word widened to the subject words that look like it (a typo, a word cut short):
    `(word | like1 | like2) & (…)`; None when no word has a look-alike."""
    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 3][:MAX_WORDS]
    groups, found = [], False
    for word in words:
        alike = look_alikes(session, SearchWords, word)
        found = found or bool(alike)
        group = func.plainto_tsquery(CONFIG, word)
        for other in alike:
            group = group.op("||")(func.plainto_tsquery(CONFIG, other))
        groups.append(group)
    if not found:
        return None
    query = groups[0]
    for group in groups[1:]:
        query = query.op("&&")(group)
    return query


def _substring(session: Session, text: str, scope, limit: int) -> list[tuple[int, float]]:
    """Without pg_trgm: subjects that contain the text."""
    stmt = (select(Ticket.id, literal(0.0, Float)).where(func.lower(Ticket.title).like(_like(text)), scope)
            .order_by(Ticket.id.desc()).limit(limit))
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
                     .where(Comment.ticket_id.in_(pending), CTSV.op("@@")(tsq))
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
    scope = permissions.ticket_scope(session, user)
    tsq = func.websearch_to_tsquery(CONFIG, text)
    ranked, mode = _ranked(session, _hits(text, tsq, scope), limit), "text"
    if not ranked and len(text) >= 3:
        mode = "similar"
        if not has_trgm(session):
            ranked = _substring(session, text, scope, limit)
        elif (corrected := _corrected(session, text)) is not None:
            tsq = corrected
            ranked = _ranked(session, _hits("", tsq, scope), limit)
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
