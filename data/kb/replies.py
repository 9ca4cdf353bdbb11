"""Between the knowledge base and a ticket's conversation (issue #16): an agent's reply becomes a draft article
(title = the ticket's title, text = the reply, service = the ticket's), and a published article goes into a
reply, as a link to its portal page or as its text.

Staff writers only (they write articles and replies); a reply on a ticket the agent may not read is "not
found", as everywhere else. Only articles requesters may read go into replies: a reply goes to the requester.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import permissions
from data.config import get_config
from data.errors import NotFound
from data.kb.articles import WRITE, listing, readable_by_requesters
from data.kb.search import search
from data.models import Article, Comment, Ticket

PICKER_LIMIT = 8


def draft_from_comment(session: Session, user, comment_id: int) -> dict:
    """{"title", "body", "service_id"} for a new draft from an agent's reply; nothing is saved until the agent
    saves the editor."""
    user = permissions.require_staff_writer(user, WRITE)
    comment = session.get(Comment, comment_id)
    ticket = session.get(Ticket, comment.ticket_id) if comment is not None else None
    if ticket is None or comment.author_requester_id is not None:
        raise NotFound("kb.error.not_found")
    permissions.require_ticket_reader(session, user, ticket)
    return {"title": ticket.title[:300], "body": comment.body or "", "service_id": ticket.service_id}


def pickable(session: Session, user, query: str | None) -> list[dict]:
    """Published articles for requesters that match the query (the newest ones without a query): id and title."""
    permissions.require_staff_writer(user, WRITE)
    if (query or "").strip():
        return [{"id": a["id"], "title": a["title"]} for a in search(session, query, "requesters", PICKER_LIMIT)]
    return [{"id": a.id, "title": a.title} for a in listing(session, user, limit=200)
            if readable_by_requesters(a)][:PICKER_LIMIT]


def portal_url(article_id: int) -> str:
    return f"{get_config().public_url.rstrip('/')}/portal/kb/{article_id}"


def for_reply(session: Session, user, article_id: int, as_text: bool = False) -> str:
    """What goes into the reply box: "Title: <portal link>", or the title and the article's Markdown text."""
    permissions.require_staff_writer(user, WRITE)
    article = session.scalar(select(Article).where(Article.id == article_id))
    if article is None or not readable_by_requesters(article):
        raise NotFound("kb.error.not_found")
    if as_text:
        return f"{article.title}\n\n{article.body}".strip()
    return f"{article.title}: {portal_url(article.id)}"
