"""`/portal`: the requester's own requests from every channel, with the status they should see."""
from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import portal_ui
from components.i18n import N_, _, current_locale
from data.intake import portal
from data.config import get_config
from data.db import read_session
from web.portal import requester_or_none

dash.register_page(__name__, path="/portal", title="Okno · Portal")


PAGE_SIZE = 20
FILTERS = [("", N_("portal.filter.all")), ("open", N_("portal.filter.open")), ("done", N_("portal.filter.done"))]


def _href(status: str, page: int) -> str:
    query = urlencode({k: v for k, v in (("status", status), ("page", page if page > 1 else "")) if v})
    return "/portal" + ("?" + query if query else "")


def _number(raw) -> int:
    return int(raw) if str(raw or "").isdigit() and 0 < int(raw) < 100_000 else 1


def layout(status: str = "", page: str = "", **_kw):
    locale, tz = current_locale(), ZoneInfo(get_config().timezone)
    status = status if status in portal.STATUS_FILTERS else ""
    with read_session() as s:
        requester = requester_or_none(s)
        if requester is None:
            return portal_ui.need_login()
        total = portal.count_requests(s, requester, status or None)
        pages = max(1, -(-total // PAGE_SIZE))
        current = min(_number(page), pages)
        rows = portal.my_requests(s, requester, locale, limit=PAGE_SIZE, offset=(current - 1) * PAGE_SIZE,
                                  status=status or None)
        name = requester.name
    if not rows:
        body = dbc.Alert([_("portal.none_yet"), " ", html.A(_("portal.new_request"), href="/portal/new")],
                         color="light", id="portal-empty")
    else:
        head = html.Thead(html.Tr([html.Th(_(k)) for k in
                                   (N_("portal.col.number"), N_("portal.col.title"), N_("portal.col.service"),
                                    N_("portal.col.status"), N_("portal.col.channel"), N_("portal.col.created"))]))
        body = dbc.Table([head, html.Tbody([html.Tr([
            html.Td(html.A(f"#{r['number']}", href=f"/portal/request/{r['number']}")),
            html.Td(html.A(r["title"], href=f"/portal/request/{r['number']}")),
            html.Td(" · ".join(x for x in (r["service"], r["type"]) if x)),
            html.Td(portal_ui.status_badge(r["status_label"], r["outcome"], className="okno-status")),
            html.Td(_(f"channel.{r['channel']}")),
            html.Td(r["created_at"].astimezone(tz).strftime("%d.%m.%Y %H:%M"))],
            className="portal-request-row") for r in rows])], hover=True, responsive=True, id="portal-requests",
            className="okno-portal-requests")  # a card per request on a phone (assets/okno.css)
    filters = dbc.Nav([dbc.NavItem(dbc.NavLink(_(label), href=_href(key, 1), active=key == status,
                                               id=f"portal-filter-{key or 'all'}"))
                       for key, label in FILTERS], pills=True, className="mb-2 small")
    filters = html.Nav(filters, id="portal-filter", **{"aria-label": _("portal.filter.label")})
    return portal_ui.page(name, html.Div([
        html.Div([html.H4(_("portal.my_requests"), className="me-auto mb-0"),
                  dbc.Button([html.I(className="bi bi-plus-circle me-1"), _("portal.new_request")], href="/portal/new",
                             color="primary", id="portal-new-button")], className="d-flex align-items-center mb-3"),
        filters, body, _pager(status, current, pages)]))


def _pager(status: str, current: int, pages: int):
    """Previous / "page 2 of 5" / next, as links: the page is in the URL, so Back works."""
    if pages <= 1:
        return html.Div(id="portal-pager")
    def step(label, page, icon, ident):
        return dbc.Button([html.I(className=f"bi {icon}")], href=_href(status, page), color="outline-secondary",
                          size="sm", disabled=not 1 <= page <= pages, id=ident, title=_(label))
    return html.Nav([step(N_("portal.page.previous"), current - 1, "bi-chevron-left", "portal-page-prev"),
                     html.Span(_("portal.page.of", page=current, pages=pages), className="mx-2 small",
                               id="portal-page-label"),
                     step(N_("portal.page.next"), current + 1, "bi-chevron-right", "portal-page-next")],
                    className="d-flex align-items-center justify-content-center mb-4", id="portal-pager",
                    **{"aria-label": _("portal.page.label")})
