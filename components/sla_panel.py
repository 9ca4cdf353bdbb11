"""The SLA block of the card page: each target with its due time, a countdown and elapsed/paused time.

    from components.sla_panel import sla_panel
    sla_panel(sla.ticket_sla_summary(session, ticket.id, now))
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import N_, _
from data.config import company_tz

COLOURS = {"ok": "success", "at_risk": "warning", "breached": "danger"}
STATE_COLOURS = {"met": "success", "breached": "danger", "paused": "secondary", "running": "primary"}
# Shown as _(f"sla.state.{state}"): the message ids, for extraction.
STATE_LABELS = {"met": N_("sla.state.met"), "breached": N_("sla.state.breached"), "paused": N_("sla.state.paused"),
                "running": N_("sla.state.running")}


def duration(seconds: float | None) -> str:
    """'2 h 05 min', '3 d 4 h', '-15 min' (overdue)."""
    if seconds is None:
        return "—"
    sign, seconds = ("-" if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return sign + _("slapanel.dh", d=days, h=hours)
    if hours:
        return sign + _("slapanel.hm", h=hours, m=f"{minutes:02d}")
    return sign + _("slapanel.m", m=minutes)


def sla_panel(summary: list[dict], zone: str | None = None):
    """One line per target and cycle; the running ones show the time left in their signal's colour.

    Due times are shown in `zone` (an IANA name), the company time zone unless given."""
    if not summary:
        return html.Div(_("slapanel.none"), className="text-muted small", id="sla-panel")
    tz = ZoneInfo(zone) if zone else company_tz()
    items = []
    for row in summary:
        name = _(f"sla.target.{row['target']}") + (f" #{row['cycle']}" if row["cycle"] > 1 else "")
        if row["signal"]:
            badge = dbc.Badge(duration(row["remaining_seconds"]), color=COLOURS[row["signal"]],
                              className="okno-sla-countdown", title=row["due_at"].isoformat())
        else:
            badge = dbc.Badge(_(f"sla.state.{row['state']}"), color=STATE_COLOURS[row["state"]])
        due = row["due_at"].astimezone(tz).strftime("%d.%m %H:%M") if row["due_at"] else "—"
        items.append(html.Li([html.Span(name, className="me-2"), badge,
                              html.Div(_("slapanel.detail", due=due, elapsed=duration(row["elapsed_seconds"]),
                                         target=duration(row["target_seconds"]),
                                         paused=duration(row["paused_seconds"])), className="small text-muted")],
                             className="mb-2", **{"data-target": row["target"], "data-state": row["state"]}))
    return html.Ul(items, className="list-unstyled mb-0", id="sla-panel")
