"""Deflections: a requester marked an article "this solved it" and filed no request. Counted per article
(the /kb list shows them); only articles the requester may read can be marked."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.errors import NotFound, ValidationError
from data.kb.articles import readable_by_requesters
from data.models import Article, ArticleDeflection, DEFLECTION_CHANNELS, Requester


def record_deflection(session: Session, requester: Requester | None, article_id: int,
                      channel: str = "portal") -> ArticleDeflection:
    if channel not in DEFLECTION_CHANNELS:
        raise ValidationError("kb.error.invalid")
    article = session.get(Article, article_id)
    if article is None or not readable_by_requesters(article):
        raise NotFound("kb.error.not_found")
    row = ArticleDeflection(article_id=article_id, channel=channel,
                            requester_id=requester.id if requester is not None else None)
    session.add(row)
    session.flush()
    return row


def deflection_counts(session: Session, article_ids) -> dict[int, int]:
    ids = list(article_ids)
    if not ids:
        return {}
    rows = session.execute(select(ArticleDeflection.article_id, func.count())
                           .where(ArticleDeflection.article_id.in_(ids)).group_by(ArticleDeflection.article_id))
    return {a: n for a, n in rows}
