"""`/dev/outbox` (demo mode, admins): the messages Okno would send — portal PINs, replies, notifications —
so a reviewer can sign in to the portal without a mail server (data/messaging/dev_outbox.py)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.guard import allowed, denied
from components.i18n import _
from data.config import get_config
from data.db import read_session
from data.messaging import dev_outbox
from flask_login import current_user

dash.register_page(__name__, path="/dev/outbox", title="Okno · Outbox")


def layout(**_kw):
    if not dev_outbox.available():
        return dbc.Alert(_("notfound"), color="warning", className="mt-4", id="devbox-off")
    if not allowed("admin"):
        return denied()
    tz = ZoneInfo(get_config().timezone)
    with read_session() as s:
        rows = dev_outbox.recent(s, current_user._get_current_object())
    cards = [html.Div(dbc.CardBody([
        html.Div([html.Span(r["kind"], className="badge text-bg-secondary me-2"), html.Strong(r["recipient"]),
                  html.Span(f" · {r['channel']} · {r['state']} · {r['at'].astimezone(tz):%Y-%m-%d %H:%M}",
                            className="text-muted small")]),
        html.Div(r["subject"], className="fw-semibold mt-1") if r["subject"] else None,
        html.Pre(r["body"], className="small mb-0 mt-1", style={"whiteSpace": "pre-wrap"})]),
        className="card mb-2", **{"data-kind": r["kind"]}) for r in rows]
    return html.Div([html.H3(_("devbox.title")), dbc.Alert(_("devbox.help"), color="info"),
                     html.Div(cards or html.P(_("devbox.empty"), className="text-muted"), id="devbox-list")],
                    id="devbox", className="mx-auto", style={"maxWidth": "960px"})
