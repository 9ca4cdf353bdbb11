"""The top bar: the pages this user's role may open, search, the bell, the language switch, the user's
profile, sign-out."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, clientside_callback, dcc, html
from flask_login import current_user

from data.permissions import can_open

from components.i18n import N_, _, current_locale
from components.notifications import bell

# (page key for permissions, href, message key, icon)
LINKS = [
    ("board", "/board", N_("nav.board"), "bi-kanban"),
    ("tickets", "/tickets", N_("nav.tickets"), "bi-list-ul"),
    ("recurring", "/recurring", N_("nav.recurring"), "bi-arrow-repeat"),
    ("approvals", "/approvals", N_("nav.approvals"), "bi-check2-square"),
    ("kb", "/kb", N_("nav.kb"), "bi-journal-text"),
    ("analytics", "/", N_("nav.analytics"), "bi-graph-up"),
    ("weekly", "/weekly", N_("nav.weekly"), "bi-calendar-week"),
    ("admin", "/admin", N_("nav.admin"), "bi-gear"),
]


def navbar():
    if not getattr(current_user, "is_authenticated", False):
        return html.Div()
    user = current_user
    links = [dbc.NavItem(dbc.NavLink([html.I(className=f"bi {icon} me-1"), _(label)], href=href,
                                     id=f"nav-{key}", active="exact"))
             for key, href, label, icon in LINKS if can_open(user, key)]
    other = "en" if current_locale() == "ru" else "ru"
    right = [
        _search() if can_open(user, "tickets") else None,
        bell(),
        dbc.NavItem(dbc.NavLink(other.upper(), href=f"/lang/{other}", external_link=True, id="nav-lang")),
        dbc.NavItem(dcc.Link([html.I(className="bi bi-person-circle me-1"), user.name], href="/profile",
                             title=_("profile.title"), className="navbar-text mx-2", id="nav-user")),
        dbc.NavItem(dbc.NavLink([html.I(className="bi bi-box-arrow-right me-1"), _("nav.logout")],
                                href="/logout", external_link=True, id="nav-logout")),
    ]
    # Below the lg breakpoint (a phone, 390 px) the links, search and bell fold behind the toggler.
    return folding_navbar("nav", [html.Span("◰", className="okno-logo me-2"), _("app.name")], "/", links, right,
                          color="dark", expand="lg", className="okno-navbar py-1")


def folding_navbar(prefix: str, brand: list, home: str, links: list, right: list, **navbar) -> dbc.Navbar:
    """A navbar whose links fold behind a toggler on a phone: the staff one and the portal's
    (components/portal_ui.py). Ids: `{prefix}-toggler`, `{prefix}-collapse`."""
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand(brand, href=home),
        html.Button(html.Span(className="navbar-toggler-icon"), id=f"{prefix}-toggler", type="button",
                    className="navbar-toggler", title=_("nav.menu"),
                    **{"aria-label": _("nav.menu"), "aria-controls": f"{prefix}-collapse", "aria-expanded": "false"}),
        dbc.Collapse([dbc.Nav(links, navbar=True, className="me-auto"), dbc.Nav(right, navbar=True)],
                     id=f"{prefix}-collapse", navbar=True, is_open=False),
    ], fluid=True), dark=True, **navbar)


# In the browser: no server round trip (and no session needed) to open or close the menu.
TOGGLE = """function (n, open) {
        const next = n ? !open : false;
        const button = document.getElementById("%s-toggler");
        if (button) { button.setAttribute("aria-expanded", String(next)); }
        return next;
    }"""


def fold_toggle(prefix: str) -> None:
    """Register the toggler's clientside callback for a `folding_navbar` with this prefix."""
    clientside_callback(TOGGLE % prefix, Output(f"{prefix}-collapse", "is_open"),
                        Input(f"{prefix}-toggler", "n_clicks"),
                        State(f"{prefix}-collapse", "is_open"), prevent_initial_call=True)


fold_toggle("nav")


def _search():
    """A plain GET form: Enter opens /search?q=… (the `/` key focuses the box: assets/search.js)."""
    return html.Form([
        html.Label(_("search.label"), htmlFor="nav-search", className="visually-hidden"),
        dcc.Input(id="nav-search", type="search", name="q", placeholder=_("search.placeholder"),
                  autoComplete="off", className="form-control form-control-sm okno-nav-search",
                  style={"width": "14rem"}),
    ], action="/search", method="GET", role="search", className="d-flex align-items-center me-2")
