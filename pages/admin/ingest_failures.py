"""`/admin/ingest-failures`: messages a channel could not turn into tickets, kept raw, with a retry button;
below, the ingest log: the latest messages with what became of each and why (skipped auto-replies,
bounces, bulk mail, quarantined mail), in the viewer's language."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, html, no_update
from flask_login import current_user

from components.admin_nav import breadcrumb
from components.guard import allowed, denied
from components.i18n import N_, _, error_message
from components.ingest_reason import reason_text, state_text
from data.config import company_tz
from data.db import read_session, session_scope
from data.errors import OknoError
from ingest import common
from ingest.email import quarantine

dash.register_page(__name__, path="/admin/ingest-failures", title="Okno · Ingest failures")

P = "ingfail"  # component id prefix for this page


def _table():
    with read_session() as s:
        rows = common.failures(s, current_user._get_current_object())
    if not rows:
        return html.P(_("failures.none"), className="text-muted", id=f"{P}-empty")
    labels = (N_("failures.received"), N_("failures.channel"), N_("failures.source"), N_("failures.error"),
              N_("failures.attempts"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels] + [html.Th()]))
    body = html.Tbody([html.Tr([
        html.Td(r["received_at"].strftime("%Y-%m-%d %H:%M")), html.Td(r["channel"]), html.Td(r["source"]),
        html.Td([html.Div(reason_text(r), className="text-danger small"),
                 html.Div(f"{r['external_id']} · {r['size']:,} B", className="text-muted small")]),
        html.Td(r["attempts"]),
        html.Td(dbc.Button(_("failures.retry"), id={"type": f"{P}-retry", "id": r["id"]}, size="sm",
                           color="outline-primary")),
    ]) for r in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="okno-table", id=f"{P}-table")


def _releasable(row: dict) -> bool:
    """A skipped email (bulk mail, an auto-reply) that an admin may still turn into a ticket."""
    return row["channel"] == "email" and row["state"] == "skipped" and row["reason_key"] != "quarantine.reason.deleted"


def _log():
    with read_session() as s:
        rows = common.recent(s, current_user._get_current_object(), limit=100)
    if not rows:
        return html.P(_("ingest.log_empty"), className="text-muted", id=f"{P}-log-empty")
    labels = (N_("failures.received"), N_("failures.source"), N_("ingest.state"), N_("failures.error"))
    head = html.Thead(html.Tr([html.Th(_(k)) for k in labels] + [html.Th(_("ingest.ticket"))]))
    body = html.Tbody([html.Tr([
        html.Td(r["received_at"].astimezone(company_tz()).strftime("%Y-%m-%d %H:%M")),
        html.Td([html.Div(r["source"]), html.Div(r["external_id"], className="text-muted small text-break")]),
        html.Td(state_text(r["state"])), html.Td(reason_text(r), className="small"),
        html.Td(html.A(f"#{r['ticket_number']}", href=f"/ticket/{r['ticket_number']}") if r["ticket_number"] else
                dbc.Button(_("quarantine.release"), id={"type": f"{P}-release", "id": r["id"]}, size="sm",
                           color="outline-primary") if _releasable(r) else ""),
    ], className=f"ingest-{r['state']}") for r in rows])
    return dbc.Table([head, body], hover=True, size="sm", responsive=True, className="okno-table", id=f"{P}-log")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([breadcrumb("admin.ingest_failures"), html.H4(_("failures.title")),
                     html.P(_("failures.intro"), className="text-muted"),
                     html.Div(id=f"{P}-message"), html.Div(_table(), id=f"{P}-list"),
                     html.H5(_("ingest.log"), className="mt-4"),
                     html.P([_("ingest.log_intro"), " ", html.A(_("admin.quarantine"), href="/admin/quarantine")],
                            className="text-muted small"),
                     html.Div(id=f"{P}-log-message"), html.Div(_log(), id=f"{P}-log-list")])


def _handled(action, inbound_id: int, alert_id: str):
    """Run `action` (retry, release) on one message and say what became of it."""
    try:
        with session_scope() as s:
            outcome = action(s, current_user._get_current_object(), inbound_id)
        color = "danger" if outcome.state == "failed" else "success"
        text = _("failures.retried", id=inbound_id, state=outcome.state + (f" — {outcome.reason}"
                                                                           if outcome.reason else ""))
    except OknoError as err:
        color, text = "danger", error_message(err)
    return dbc.Alert(text, color=color, id=alert_id)


@callback(Output(f"{P}-message", "children"), Output(f"{P}-list", "children"),
          Input({"type": f"{P}-retry", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def retry(clicks):
    if not ctx.triggered_id or not any(clicks or []):
        return no_update, no_update
    return _handled(common.retry, ctx.triggered_id["id"], f"{P}-result"), _table()


@callback(Output(f"{P}-log-message", "children"), Output(f"{P}-log-list", "children"),
          Input({"type": f"{P}-release", "id": ALL}, "n_clicks"), prevent_initial_call=True)
def release(clicks):
    """Make a ticket of a skipped message after all (a real request that came through a mailing list)."""
    if not ctx.triggered_id or not any(clicks or []):
        return no_update, no_update
    return _handled(quarantine.release, ctx.triggered_id["id"], f"{P}-release-result"), _log()
