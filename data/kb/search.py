"""Article search, ranked: full text over the generated `search_tsv` column (migration kb_0001; the title
weighs A, the body B) plus trigram similarity of the title for typos ("принтр" finds "Принтер").

Any word of the query may match (OR), and articles matching more of the words, in the title, rank first:
"не работает принтер" must find "Принтер не печатает", which has no form of "работать". Cyrillic words are
read with the `russian` configuration, Latin-script words with the `english` one. The pg_trgm check, the
snippet markers and their reader are the ticket search's (data/tickets/search.py).
"""
from __future__ import annotations

import re

from sqlalchemy import Float, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from data import permissions
from data.models import Article
from data.tickets.search import HEADLINE, MAX_QUERY, START, _trgm as has_trgm

AUDIENCES = ("requesters", "staff")
TSV = literal_column("articles.search_tsv")
RUSSIAN, ENGLISH = literal_column("'russian'::regconfig"), literal_column("'english'::regconfig")
MAX_WORDS = 8
TYPO_MIN = 4  # shorter words have too few trigrams to tell a typo from another word
TRGM_WEIGHT = 0.3  # a title that looks like a query word counts about as much as a body hit
LATIN = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 2][:MAX_WORDS]


def _any_word(words: list[str]):
    """`w1 | w2 | …`, each word in its language's configuration (stop words drop out)."""
    query = None
    for word in words:
        part = func.plainto_tsquery(ENGLISH if LATIN.fullmatch(word) else RUSSIAN, word)
        query = part if query is None else query.op("||")(part)
    return query


def _audience(stmt, audience: str, viewer):
    if audience == "requesters":
        return stmt.where(Article.state == "published", Article.visibility == "requesters")
    permissions.require_reader(viewer)
    return stmt


def search(session: Session, query: str | None, audience: str = "requesters", limit: int = 20,
           viewer=None) -> list[dict]:
    """Best first: {"id", "title", "state", "visibility", "service_id", "tags", "views", "rank", "snippet"}.

    audience "requesters": published articles for requesters only (anyone may ask: the portal, the bot);
    "staff": every article, drafts included, for a staff reader (`viewer`)."""
    if audience not in AUDIENCES:
        raise ValueError(audience)
    text = " ".join((query or "").split())[:MAX_QUERY]
    words = _words(text)
    if not words:
        return []
    tsq = _any_word(words)
    rank = func.ts_rank(TSV, tsq)
    matches = [TSV.op("@@")(tsq)]
    typo_words = [w for w in words if len(w) >= TYPO_MIN]
    if typo_words and has_trgm(session):
        similarity = sum((func.word_similarity(w, Article.title) for w in typo_words), literal(0.0, Float))
        rank = rank + TRGM_WEIGHT * similarity
        matches += [literal(w).op("<%")(Article.title) for w in typo_words]
    snippet = func.ts_headline(RUSSIAN, func.left(Article.body, 20000), tsq, literal(HEADLINE))
    stmt = (select(Article.id, Article.title, Article.state, Article.visibility, Article.service_id, Article.tags,
                   Article.views, rank.label("rank"), snippet.label("snippet"), func.left(Article.body, 200))
            .where(or_(*matches)).order_by(rank.desc(), Article.updated_at.desc(), Article.id.desc()).limit(limit))
    rows = session.execute(_audience(stmt, audience, viewer))
    return [{"id": r[0], "title": r[1], "state": r[2], "visibility": r[3], "service_id": r[4], "tags": r[5],
             "views": r[6], "rank": float(r[7]), "snippet": r[8] if START in (r[8] or "") else r[9]} for r in rows]


def suggest(session: Session, title: str | None, limit: int = 5) -> list[dict]:
    """Up to `limit` published articles for requesters that may answer a request with this subject."""
    if len(" ".join((title or "").split())) < 3:
        return []
    return search(session, title, "requesters", limit)
