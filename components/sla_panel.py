"""The SLA block of the card page: one clock per target, in business time, labelled as such.

    from components.sla_panel import sla_panel
    sla_panel(sla.ticket_sla_summary(session, ticket.id, now))

A target's norm counts working hours of its calendar, so the clock says how much of that working time is left
("Resolution: 3 h 10 min of working time left of 8 h"); the due moment is calendar time and is shown apart,
as a date on the second line. (One clock only: a calendar countdown beside it read as a second, different SLA.)
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import html

from components.i18n import N_, _
from data.config import company_tz

COLOURS = {"ok": "success", "at_risk": "warning", "breached": "danger"}
STATE_COLOURS = {"met": "success", "breached": "danger", "paused": "secondary", "running": "primary"}
# Shown as _(f"sla.state.{state}") and _(f"sla.clock.{kind}"): the message ids, for extraction.
STATE_LABELS = {"met": N_("sla.state.met"), "breached": N_("sla.state.breached"), "paused": N_("sla.state.paused"),
                "running": N_("sla.state.running")}
CLOCK_TEXTS = {"left": N_("sla.clock.left"), "over": N_("sla.clock.over"), "paused": N_("sla.clock.paused"),
               "met": N_("sla.clock.met"), "missed": N_("sla.clock.missed")}


def duration(seconds: float | None) -> str:
    """Working time in hours and minutes: '3 h 10 min', '8 h', '45 min', '26 h 05 min'. No days: a working
    day is as long as its calendar says, so '1 d' would mean different things on different targets."""
    if seconds is None:
        return "—"
    seconds = abs(int(seconds))
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if hours and minutes:
        return _("slapanel.hm", h=hours, m=f"{minutes:02d}")
    if hours:
        return _("slapanel.h", h=hours)
    return _("slapanel.m", m=minutes)


def clock_kind(row: dict) -> str:
    """Which sentence the target's clock reads: time left, overdue, paused, met or missed."""
    left = row["target_seconds"] - row["elapsed_seconds"]
    if row["state"] == "met":
        return "met"
    if row["state"] == "paused":
        return "paused"
    if row["stopped_at"] is not None:
        return "missed" if row["breached"] else "met"
    return "over" if left <= 0 or row["state"] == "breached" else "left"


def _colour(row: dict, kind: str) -> str:
    if row["signal"]:
        return COLOURS[row["signal"]]
    return {"over": "danger", "missed": "danger", "met": "success", "paused": "secondary"}.get(kind, "primary")


def sla_panel(summary: list[dict], zone: str | None = None):
    """One line per target and cycle; the due moment (calendar time, in `zone`, the company's by default)
    on a second line."""
    if not summary:
        return html.Div(_("slapanel.none"), className="text-muted small", id="sla-clocks")
    tz = ZoneInfo(zone) if zone else company_tz()
    items = []
    for row in summary:
        name = _(f"sla.target.{row['target']}") + (f" #{row['cycle']}" if row["cycle"] > 1 else "")
        kind = clock_kind(row)
        left = row["target_seconds"] - row["elapsed_seconds"]
        text = _(f"sla.clock.{kind}", target=name, left=duration(max(left, 0)), over=duration(-left),
                 total=duration(row["target_seconds"]), used=duration(row["elapsed_seconds"]))
        due = row["due_at"].astimezone(tz) if row["due_at"] else None
        items.append(html.Li([
            html.Span(className=f"okno-sla-dot bg-{_colour(row, kind)} rounded-circle d-inline-block me-2",
                      style={"width": ".6rem", "height": ".6rem"}, **{"aria-hidden": "true"}),
            html.Span(text, className="okno-sla-clock-text"),
            html.Div(_("sla.clock.due", due=due.strftime("%d.%m.%Y %H:%M")), className="small text-muted ms-3",
                     title=_("sla.clock.due_hint")) if due and kind in ("left", "over") else None,
        ], className="mb-2 okno-sla-clock", **{"data-target": row["target"], "data-state": row["state"],
                                               "data-clock": kind}))
    return html.Ul(items, className="list-unstyled mb-0", id="sla-clocks")
