"""Article search, ranked: full text over the generated `search_tsv` column (migration kb_0001; the title
weighs A, the body B), with typos corrected against the words of the knowledge base ("принтр" finds "Принтер").

Any word of the query may match (OR), and articles matching more of the words, in the title, rank first:
"не работает принтер" must find "Принтер не печатает", which has no form of "работать". Cyrillic words are
read with the `russian` configuration, Latin-script words with the `english` one.

Typos: a query word of four letters or more that no article contains is widened to the article words that look
like it (pg_trgm over `kb_words`, the distinct words of every article, kept by a trigger of migration
kbcsat_0001), and the full-text search runs with them; the same way the ticket search corrects typos
(data/tickets/search.py). Comparing the word with a list of some thousand words takes milliseconds; comparing it
with every article's title took seconds at 100,000 articles (docs/benchmarks.md). The pg_trgm check, the
look-alike lookup, the snippet markers and their reader are the ticket search's.
"""
from __future__ import annotations

import re

from sqlalchemy import column, func, literal, literal_column, select, table
from sqlalchemy.orm import Session

from data import permissions
from data.models import Article
from data.tickets.search import HEADLINE, MAX_QUERY, START, has_trgm, look_alikes

AUDIENCES = ("requesters", "staff")
TSV = literal_column("articles.search_tsv")
RUSSIAN, ENGLISH = literal_column("'russian'::regconfig"), literal_column("'english'::regconfig")
MAX_WORDS = 8
TYPO_MIN = 4  # shorter words have too few trigrams to tell a typo from another word
LOOK_ALIKES = 3  # words tried in place of one unknown word
KbWords = table("kb_words", column("word"))  # migration kbcsat_0001: the distinct words of every article
CANDIDATES = 2000  # word matches ranked, the newest first, as the ticket search
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


def corrections(session: Session, words: list[str]) -> list[str]:
    """Article words that look like the query words no article contains (typos); [] without pg_trgm."""
    unknown = [w for w in words if len(w) >= TYPO_MIN]
    if not unknown or not has_trgm(session):
        return []
    known = set(session.scalars(select(KbWords.c.word).where(KbWords.c.word.in_(unknown))))
    found = []
    for word in unknown:
        if word not in known:
            found += [w for w in look_alikes(session, KbWords, word, LOOK_ALIKES) if w not in found]
    return found


def _audience(stmt, audience: str, viewer):
    if audience == "requesters":
        return stmt.where(Article.state == "published", Article.visibility == "requesters")
    permissions.require_reader(viewer)
    return stmt


def _newest(stmt):
    """The newest CANDIDATES matches: a common word ranks that many, not every article that has it."""
    return stmt.order_by(Article.id.desc()).limit(CANDIDATES)


def _ranked(session: Session, rank, where, limit: int) -> list[tuple[int, float]]:
    stmt = (select(Article.id, rank).where(where).order_by(rank.desc(), Article.updated_at.desc(), Article.id.desc())
            .limit(limit))
    return [(i, float(r)) for i, r in session.execute(stmt)]


def _shown(session: Session, ranked: list[tuple[int, float]], tsq) -> list[dict]:
    """Fields and a snippet for the page of results only: ts_headline reads the whole text."""
    snippet = func.ts_headline(RUSSIAN, func.left(Article.body, 20000), tsq, literal(HEADLINE))
    rows = {r[0]: r for r in session.execute(
        select(Article.id, Article.title, Article.state, Article.visibility, Article.service_id, Article.tags,
               Article.views, snippet, func.left(Article.body, 200)).where(Article.id.in_([i for i, _r in ranked])))}
    return [{"id": i, "title": rows[i][1], "state": rows[i][2], "visibility": rows[i][3], "service_id": rows[i][4],
             "tags": rows[i][5], "views": rows[i][6], "rank": r,
             "snippet": rows[i][7] if START in (rows[i][7] or "") else rows[i][8]} for i, r in ranked if i in rows]


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
    tsq = _any_word(words + [w for w in corrections(session, words) if w not in words])
    words_match = _newest(_audience(select(Article.id).where(TSV.op("@@")(tsq)), audience, viewer)).subquery()
    ranked = _ranked(session, func.ts_rank(TSV, tsq), Article.id.in_(select(words_match.c.id)), limit)
    return _shown(session, ranked, tsq) if ranked else []


def suggest(session: Session, title: str | None, limit: int = 5) -> list[dict]:
    """Up to `limit` published articles for requesters that may answer a request with this subject."""
    if len(" ".join((title or "").split())) < 3:
        return []
    return search(session, title, "requesters", limit)
