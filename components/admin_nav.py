"""The admin sections listed on /admin. Each feature adds its own line here:
(href, message key for the title, message key for the description, bootstrap icon)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import N_, _

SECTIONS: list[tuple[str, str, str, str]] = [
    ("/admin/services", N_("admin.services"), N_("admin.services_help"), "bi-grid-3x3-gap"),
    ("/admin/request-types", N_("admin.request_types"), N_("admin.request_types_help"), "bi-ui-checks"),
    ("/admin/column-children", N_("admin.column_children"), N_("admin.column_children_help"), "bi-diagram-3"),
    ("/admin/integrations", N_("admin.integrations"), N_("admin.integrations_help"), "bi-plug"),
    ("/admin/calendars", N_("slaadmin.calendars"), N_("slaadmin.calendars_help"), "bi-calendar3"),
    ("/admin/sla", N_("slaadmin.policies"), N_("slaadmin.policies_help"), "bi-stopwatch"),
    ("/admin/priorities", N_("slaadmin.priorities"), N_("slaadmin.priorities_help"), "bi-sort-down"),
    ("/admin/rules", N_("slaadmin.rules"), N_("slaadmin.rules_help"), "bi-magic"),
    ("/admin/mailboxes", N_("admin.mailboxes"), N_("admin.mailboxes_help"), "bi-envelope"),
    ("/admin/ingest-failures", N_("admin.ingest_failures"), N_("admin.ingest_failures_help"),
     "bi-exclamation-triangle"),
    ("/admin/quarantine", N_("admin.quarantine"), N_("admin.quarantine_help"), "bi-shield-exclamation"),
    ("/admin/users", N_("users.title"), N_("users.help"), "bi-person-gear"),
    ("/admin/teams", N_("teams.title"), N_("teams.help"), "bi-people-fill"),
    ("/admin/directory", N_("directory.title"), N_("directory.help"), "bi-people"),
    ("/admin/audit", N_("admin.audit"), N_("admin.audit_help"), "bi-journal-text"),
    ("/admin/sign-in", N_("locks.title"), N_("locks.help"), "bi-shield-lock"),
    ("/weekly/subscriptions", N_("weekly.sub.title"), N_("weekly.sub.admin_help"), "bi-envelope-paper"),
]


def breadcrumb(title_key: str):
    """"Admin › <section>" above an admin page."""
    return html.Div([html.A(_("nav.admin"), href="/admin"), html.Span(" › ", className="text-muted"),
                     html.Span(_(title_key))], className="small mb-2")


def tiles():
    return dbc.Row([dbc.Col(html.A(dbc.Card(dbc.CardBody([
        html.Div([html.I(className=f"bi {icon} fs-3 me-2"), html.H5(_(title), className="mb-0")],
                 className="d-flex align-items-center mb-2"),
        html.P(_(help_key), className="text-muted small mb-0")]), className="h-100 shadow-sm"),
        href=href, className="text-decoration-none text-reset admin-section"), md=4)
        for href, title, help_key, icon in SECTIONS], className="g-3")
