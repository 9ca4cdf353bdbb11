"""The knowledge base: articles written by staff (Markdown, draft → published, for requesters or staff
only), their search (full text in Russian and English plus trigram similarity for typos), suggestions for a
requester typing a new request's subject, and the deflections ("this solved it") counted per article; and
between articles and ticket replies (a reply becomes a draft, an article goes into a reply).

Staff write (agents, managers, admins; every change audited), staff readers read everything, requesters
see only published articles meant for them.
"""
from data.kb.articles import delete, get, listing, publish, save
from data.kb.deflections import deflection_counts, record_deflection
from data.kb.render import to_html
from data.kb.replies import draft_from_comment, for_reply, pickable, portal_url
from data.kb.search import search, suggest

__all__ = ["delete", "get", "listing", "publish", "save", "deflection_counts", "record_deflection", "to_html",
           "search", "suggest", "draft_from_comment", "for_reply", "pickable", "portal_url"]
