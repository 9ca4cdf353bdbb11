"""How an article looks on a page (staff editor preview, the portal): its Markdown rendered and cleaned by
data.kb.to_html, shown as HTML; and a search hit's snippet with the matched words marked."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import N_, _
from data import kb
from data.tickets.search import marked

STATES = {"draft": (N_("kb.state.draft"), "secondary"), "published": (N_("kb.state.published"), "success")}


def state_badge(state: str, **props):
    label, color = STATES[state]
    return dbc.Badge(_(label), color=color, **props)


def body(markdown: str | None, component_id: str | None = None):
    # The HTML comes from data.kb.to_html: Markdown without raw HTML, then nh3's allow-list; safe to show.
    props = {"id": component_id} if component_id else {}
    return dcc.Markdown(kb.to_html(markdown), dangerously_allow_html=True, className="okno-article", **props)


def snippet(text: str | None):
    return html.Span([html.Mark(piece) if hit else piece for piece, hit in marked(text)],
                     className="small text-muted")
