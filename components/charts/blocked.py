"""Blocked time: the reasons that held cards longest (grouped spellings), and the cards blocked longest."""
from __future__ import annotations

import plotly.graph_objects as go

from data.metrics import blocked

from components.chart_card import COLORS, chart_card, empty_figure, register, style
from components.charts.numbers import localise, number
from components.i18n import N_, _

MAX_LABEL = 48


def _short(text: str | None) -> str:
    text = (text or "").strip() or "—"
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _bars(fig: go.Figure, labels: list[str], hours: list[float], customdata, hover: str) -> None:
    # Largest on top: a horizontal bar chart draws its first category at the bottom.
    fig.add_trace(go.Bar(y=labels[::-1], x=hours[::-1], orientation="h", marker_color=COLORS["breached"],
                         customdata=customdata[::-1], hovertemplate=hover + "<extra></extra>"))


def blocked_reasons(session, user, f):
    data = blocked.blocked_time(session, user, f)
    if not data["blocks"]:
        return empty_figure(_("an.nodata_blocked")), []
    reasons = data["reasons"]
    fig = go.Figure()
    _bars(fig, [_short(r["reason"]) for r in reasons], [r["hours"] for r in reasons],
          [[r["reason"], r["blocks"], r["cards"], r["spellings"]] for r in reasons], _("an.blk.reason_hover"))
    fig.add_annotation(text=_("an.blk.total", hours=number(data["total_h"]), cards=data["cards"],
                              avg=number(data["per_card_h"])),
                       xref="paper", yref="paper", x=0, y=1, yanchor="bottom", xanchor="left", showarrow=False,
                       font=dict(size=11, color="#6c757d"), yshift=6)
    style(fig, showlegend=False, margin=dict(l=10, r=10, t=36, b=40), xaxis=dict(title=_("an.blk.hours")),
          yaxis=dict(automargin=True))
    rows = [{"reason": r["reason"], "hours": round(r["hours"], 2), "blocks": r["blocks"], "cards": r["cards"],
             "spellings": r["spellings"]} for r in reasons]
    return localise(fig), rows


def blocked_cards(session, user, f):
    data = blocked.blocked_time(session, user, f)
    cards = data["top_cards"]
    if not cards:
        return empty_figure(_("an.nodata_blocked")), []
    fig = go.Figure()
    _bars(fig, [f"#{c['number']} {_short(c['title'])}" for c in cards], [c["hours"] for c in cards],
          [[f"/ticket/{c['number']}", c["reason"], c["blocks"]] for c in cards], _("an.blk.card_hover"))
    style(fig, showlegend=False, margin=dict(l=10, r=10, t=10, b=40), xaxis=dict(title=_("an.blk.hours")),
          yaxis=dict(automargin=True))
    rows = [{"number": c["number"], "title": c["title"], "hours": round(c["hours"], 2), "blocks": c["blocks"],
             "reason": c["reason"]} for c in cards]
    return localise(fig), rows


register("blocked-reasons", blocked_reasons)
register("blocked-cards", blocked_cards)


def blocked_reasons_card():
    return chart_card("blocked-reasons", N_("an.blocked_reasons"), N_("an.info.blocked_reasons"))


def blocked_cards_card():
    return chart_card("blocked-cards", N_("an.blocked_cards"), N_("an.info.blocked_cards"))
