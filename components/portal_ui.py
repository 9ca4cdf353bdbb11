"""Pieces shared by the requester portal's pages: the header, the sign-in prompt, upload decoding."""
from __future__ import annotations

import base64
import binascii

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import _, current_locale
from components.navbar import fold_toggle, folding_navbar


def header(name: str) -> html.Div:
    other = "en" if current_locale() == "ru" else "ru"
    mine = [dbc.NavItem(dbc.NavLink([html.I(className="bi bi-list-task me-1"), _("portal.my_requests")],
                                    href="/portal", id="portal-nav-mine", active="exact")),
            dbc.NavItem(dbc.NavLink([html.I(className="bi bi-plus-circle me-1"), _("portal.new_request")],
                                    href="/portal/new", id="portal-nav-new", active="exact")),
            dbc.NavItem(dbc.NavLink([html.I(className="bi bi-journal-text me-1"), _("portal.kb")],
                                    href="/portal/kb", id="portal-nav-kb", active="partial"))]
    account = [dbc.NavItem(dbc.NavLink(other.upper(), href=f"/lang/{other}?next=/portal", external_link=True)),
               dbc.NavItem(html.Span(_("portal.signed_in_as", name=name), id="portal-nav-user",
                                     className="navbar-text mx-2")),
               dbc.NavItem(dbc.NavLink([html.I(className="bi bi-box-arrow-right me-1"), _("portal.logout")],
                                       href="/portal/logout", external_link=True, id="portal-nav-logout"))]
    # As the staff navbar: on a phone the links fold behind a toggler.
    return folding_navbar("portal-nav", [html.Span("◰", className="okno-logo me-2"), _("portal.title")], "/portal",
                          mine, account, color="primary", expand="md", className="mb-3 py-1 okno-portal-nav")


fold_toggle("portal-nav")


def need_login() -> html.Div:
    return dbc.Alert([_("portal.need_login"), " ", html.A(_("portal.go_login"), href="/portal/login")],
                     color="info", className="mt-4", id="portal-need-login")


# A request's badge colour by how it stands (data/intake/portal.outcome): declined is grey, not done's green.
OUTCOME_COLORS = {"done": "success", "declined": "secondary", "open": "primary"}


def status_badge(label: str, outcome: str, className: str = "", **kw) -> dbc.Badge:
    return dbc.Badge(label, color=OUTCOME_COLORS.get(outcome, "primary"),
                     className=f"{className} okno-outcome-{outcome}".strip(), **kw)


def page(name: str, *children) -> html.Div:
    """A portal page for the signed-in requester called `name`."""
    return html.Div([header(name), dbc.Container(list(children), className="okno-portal")])


def decode_uploads(contents, filenames, field: str | None = None) -> list[dict]:
    """dcc.Upload's data URLs → [{"filename", "content", "content_type", "field"}]; broken ones are skipped."""
    if not contents:
        return []
    if not isinstance(contents, list):
        contents, filenames = [contents], [filenames]
    out = []
    for data, name in zip(contents, filenames or []):
        try:
            head, b64 = str(data).split(",", 1)
            out.append({"filename": name, "content": base64.b64decode(b64, validate=False),
                        "content_type": head[5:].split(";")[0] or None, "field": field})
        except (ValueError, binascii.Error):
            continue
    return out


def upload_box(component_id, label: str):
    from dash import dcc
    return dcc.Upload(html.Div([html.I(className="bi bi-paperclip me-1"), label]), id=component_id, multiple=True,
                      className="okno-upload border border-secondary-subtle rounded p-2 text-muted small text-center")
