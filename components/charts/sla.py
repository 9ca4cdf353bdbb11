"""SLA charts: met vs breached by week and by priority, the first-response time distribution."""
from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go

from data.metrics import sla

from components.chart_card import COLORS, empty_figure, number, register, style, tickets_link
from components.charts.flow import partial_pattern, partial_symbols, partial_text
from components.i18n import _, current_locale


def by_week(session, user, f):
    data = sla.by_week(session, user, f)
    if not any(r["met"] or r["breached"] for r in data):
        return empty_figure(_("an.nodata_sla")), data
    x = [r["bucket"] for r in data]
    links = [tickets_link(f, resolved_from=max(b, f.date_from), resolved_to=min(b + timedelta(days=6), f.date_to))
             for b in x]
    note = partial_text(data)
    pct = [100.0 * r["met"] / (r["met"] + r["breached"]) if r["met"] + r["breached"] else None for r in data]
    fig = go.Figure([
        go.Bar(x=x, y=[r["met"] for r in data], name=_("an.sla_met"), marker_color=COLORS["met"], customdata=links,
               marker_pattern=partial_pattern(data), text=note, textposition="none",
               hovertemplate="%{x}<br>" + _("an.sla_met") + ": %{y}%{text}<extra></extra>"),
        go.Bar(x=x, y=[r["breached"] for r in data], name=_("an.sla_breached"), marker_color=COLORS["breached"],
               customdata=links, marker_pattern=partial_pattern(data), text=note, textposition="none",
               hovertemplate="%{x}<br>" + _("an.sla_breached") + ": %{y}%{text}<extra></extra>"),
        go.Scatter(x=x, y=pct, name=_("an.sla_met_pct"), yaxis="y2", mode="lines+markers", customdata=links,
                   line=dict(color="#212529", width=1), marker_symbol=partial_symbols(data), text=note,
                   hovertemplate="%{x}<br>%{y:.1f}%%{text}<extra></extra>"),
    ])
    style(fig, barmode="stack", yaxis2=dict(overlaying="y", side="right", range=[0, 105], showgrid=False,
                                             ticksuffix="%"))
    return fig, [dict(r, met_pct=p) for r, p in zip(data, pct)]


def by_priority(session, user, f):
    data = sla.by_priority(session, user, f)
    if not data:
        return empty_figure(_("an.nodata_sla")), []
    ru = current_locale() == "ru"
    names = [(r["name_ru"] if ru else r["name_en"]) or _("an.no_priority") for r in data]
    links = [tickets_link(f, priority=r["priority_id"], resolved_from=f.date_from, resolved_to=f.date_to)
             for r in data]
    fig = go.Figure([
        go.Bar(y=names, x=[r["met"] for r in data], name=_("an.sla_met"), orientation="h",
               marker_color=COLORS["met"], customdata=links),
        go.Bar(y=names, x=[r["breached"] for r in data], name=_("an.sla_breached"), orientation="h",
               marker_color=COLORS["breached"], customdata=links),
    ])
    style(fig, barmode="stack", yaxis=dict(autorange="reversed"))
    return fig, data


def _hours_label(h):
    if h is None:
        return "∞"
    return f"{h * 60:.0f} " + _("an.min") if h < 1 else number(h, "g") + " " + _("an.h")


def first_response(session, user, f):
    data = sla.first_response(session, user, f)
    bins = data["bins"]
    if not any(b["count"] for b in bins):
        return empty_figure(_("an.nodata")), []
    labels = [f"{_hours_label(b['from_hours'])}–{_hours_label(b['to_hours'])}" if b["to_hours"] is not None
              else f"> {_hours_label(b['from_hours'])}" for b in bins]
    link = tickets_link(f, created_from=f.date_from, created_to=f.date_to)
    fig = go.Figure([
        go.Bar(x=labels, y=[b["count"] - b["breached"] for b in bins], name=_("an.in_time"),
               marker_color=COLORS["created"], customdata=[link] * len(bins)),
        go.Bar(x=labels, y=[b["breached"] for b in bins], name=_("an.sla_breached"),
               marker_color=COLORS["breached"], customdata=[link] * len(bins)),
    ])
    p = data["percentiles"]
    if p.get(0.5) is not None:
        fig.add_annotation(text=" · ".join(f"{int(k * 100)}%: {_hours_label(round(v, 2))}" for k, v in p.items()
                                           if v is not None) + " · " + _("an.unanswered") + f": {data['unanswered']}",
                           xref="paper", yref="paper", x=1, y=1.1, showarrow=False, font=dict(size=11))
    style(fig, barmode="stack", yaxis=dict(title=_("an.tickets")))
    return fig, [dict(b, label=label) for b, label in zip(bins, labels)]


register("sla-week", by_week)
register("sla-priority", by_priority)
register("first-response", first_response)
