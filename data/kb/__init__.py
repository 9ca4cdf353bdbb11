"""The knowledge base: articles written by staff (Markdown, draft → published, for requesters or staff
only), their search (full text in Russian and English plus trigram similarity for typos), suggestions for a
requester typing a new request's subject, and the deflections ("this solved it") counted per article.

Staff write (agents, managers, admins; every change audited), staff readers read everything, requesters
see only published articles meant for them.
"""
from data.kb.articles import delete, get, listing, publish, save
from data.kb.deflections import deflection_counts, record_deflection
from data.kb.render import to_html
from data.kb.search import search, suggest

__all__ = ["delete", "get", "listing", "publish", "save", "deflection_counts", "record_deflection", "to_html",
           "search", "suggest"]
