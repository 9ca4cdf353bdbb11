"""`/portal/kb/<id>`: one published article for requesters (anything else is "not found"); reading it
counts a view."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import kb_article, portal_ui
from components.i18n import _
from data import kb
from data.db import session_scope
from data.errors import NotFound
from web.portal import requester_or_none

dash.register_page(__name__, path_template="/portal/kb/<article_id>", title="Okno · Article")


def layout(article_id=None, **_kw):
    with session_scope() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        name = requester.name
        try:
            article = kb.get(s, requester, int(article_id), count_view=True) if str(article_id).isdigit() else None
        except NotFound:
            article = None
        shown = (article.title, article.body) if article else None
    if shown is None:
        content = dbc.Alert(_("kb.error.not_found"), color="warning", id="portal-kb-missing")
    else:
        content = html.Article([html.H4(shown[0], id="portal-kb-title"), kb_article.body(shown[1], "portal-kb-body")])
    return portal_ui.page(name, dbc.Row(dbc.Col([
        html.A([html.I(className="bi bi-arrow-left me-1"), _("portal.kb.all")], href="/portal/kb",
               className="d-inline-block mb-3"),
        content,
        html.P([_("portal.kb.still_need_help"), " ", html.A(_("portal.new_request"), href="/portal/new")],
               className="mt-4 text-muted"),
    ], lg=8)))
