"""Flow efficiency (active vs waiting per period), the WIP run chart and the throughput histogram."""
from __future__ import annotations

import plotly.graph_objects as go
from dash import Input, dcc

from data.metrics import efficiency, throughput, wip
from data.metrics.sql import GRAINS, auto_grain

from components.chart_card import COLORS, chart_card, empty_figure, register, style, tickets_link
from components.charts.flow import partial_pattern, partial_symbols
from components.charts.numbers import day_hover, localise, number, percent
from components.i18n import N_, _

ACTIVE, QUEUED, BLOCKED = COLORS["in_progress"], COLORS["waiting"], COLORS["breached"]
AT_LEAST_COLORS = {0.5: COLORS["p50"], 0.85: COLORS["p85"], 0.95: COLORS["p95"]}


def flow_efficiency(session, user, f, grain=None):
    grain = grain or auto_grain(f.days)
    if grain not in GRAINS:  # only a forged callback sends another value
        return empty_figure(_("errors.bad_grain")), []
    data = efficiency.flow_efficiency(session, user, f, grain)
    periods, overall = data["periods"], data["overall"]
    if not overall["n"]:
        return empty_figure(_("an.nodata_cycles")), []
    x = [p["bucket"] for p in periods]
    hours = " " + _("an.h")
    # A period cut by the range or by today is hatched and says so: its hours are not comparable.
    note = ["<br>" + _("an.partial") if p["partial"] else "" for p in periods]
    fig = go.Figure()
    for key, name, color in (("active_h", _("an.eff.active"), ACTIVE), ("queued_h", _("an.eff.queued"), QUEUED),
                             ("blocked_h", _("an.eff.blocked"), BLOCKED)):
        fig.add_trace(go.Bar(x=x, y=[p[key] for p in periods], name=name, customdata=note,
                             marker=dict(color=color, pattern=partial_pattern(periods)),
                             hovertemplate=day_hover() + "<br>" + name + ": %{y:,.1f}" + hours
                             + "%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=x, y=[None if p["efficiency"] is None else 100 * p["efficiency"] for p in periods], yaxis="y2",
        name=_("an.eff.share"), mode="lines+markers", line=dict(color="#212529", width=2), connectgaps=False,
        marker_symbol=partial_symbols(periods),
        customdata=[tickets_link(f, resolved_from=max(b, f.date_from), resolved_to=min(b, f.date_to)) for b in x]
        if grain == "day" else None,
        hovertemplate=day_hover() + "<br>" + _("an.eff.share") + ": %{y:.0f}%<extra></extra>"))
    fig.add_annotation(text=_("an.eff.overall", value=percent(overall["efficiency"]), n=overall["n"]),
                       xref="paper", yref="paper", x=0, y=1.0, yanchor="bottom", xanchor="left", showarrow=False,
                       font=dict(size=12), yshift=18)
    style(fig, barmode="stack", margin=dict(l=40, r=40, t=40, b=30), legend=dict(orientation="h", y=-0.15, x=0),
          yaxis=dict(title=_("an.eff.hours"), rangemode="tozero", tickformat=",.0f"),  # 12 000, not 12k
          yaxis2=dict(overlaying="y", side="right", range=[0, 100], showgrid=False, ticksuffix="%"))
    rows = [{"period": p["bucket"], "partial": p["partial"], "resolved": p["n"], "active_h": round(p["active_h"], 2),
             "waiting_h": round(p["waiting_h"], 2), "blocked_h": round(p["blocked_h"], 2),
             "efficiency_pct": None if p["efficiency"] is None else round(100 * p["efficiency"], 1)} for p in periods]
    return localise(fig, dates=True), rows


def wip_run(session, user, f, with_waiting=None):
    data = wip.wip_run(session, user, f, with_waiting=bool(with_waiting))
    days = data["days"]
    if not days or not any(d["wip"] for d in days):
        return empty_figure(_("an.nodata")), []
    x, y = [d["day"] for d in days], [d["wip"] for d in days]
    statuses = ",".join(data["statuses"])
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="lines+markers", name=_("an.wip.cards"), line=dict(color=COLORS["in_progress"], shape="hv"),
        marker=dict(symbol=["circle-open" if d["partial"] else "circle" for d in days],
                    size=[9 if d["partial"] else 4 for d in days]),
        customdata=[tickets_link(f, status=statuses)] * len(x),
        hovertemplate=day_hover() + "<br>" + _("an.wip.cards") + ": %{y}<extra></extra>"))
    if data["average"] is not None:
        fig.add_hline(y=data["average"], line_dash="dot", line_color="#6c757d",
                      annotation_text=_("an.average", value=number(data["average"])), annotation_position="top left")
    if days[-1]["partial"]:
        fig.add_annotation(x=x[-1], y=y[-1], text=_("an.partial_day"), showarrow=True, arrowhead=0, ay=-24,
                           font=dict(size=10, color="#6c757d"))
    style(fig, showlegend=False, yaxis=dict(rangemode="tozero", title=_("an.wip.axis")))
    rows = [{"day": d["day"], "wip": d["wip"], "partial": d["partial"]} for d in days]
    return localise(fig, dates=True), rows


def throughput_histogram(session, user, f):
    data = throughput.daily_histogram(session, user, f)
    bins = data["bins"]
    if not data["days"]:
        return empty_figure(_("an.nodata")), []
    fig = go.Figure(go.Bar(
        x=[b["done"] for b in bins], y=[b["days"] for b in bins], marker_color=COLORS["done"],
        hovertemplate=_("an.tph.hover") + "<extra></extra>"))
    for share, value in data["at_least"].items():
        fig.add_vline(x=value, line_dash="dash", line_color=AT_LEAST_COLORS[share],
                      annotation_text=_("an.fc.at_least", p=int(share * 100), n=value), annotation_position="top right",
                      annotation_font=dict(size=10, color=AT_LEAST_COLORS[share]))
    note = _("an.tph.summary", days=data["days"], mean=number(data["mean"]))
    if data["partial_left_out"]:
        note += " · " + _("an.tph.today_left_out")
    fig.add_annotation(text=note, xref="paper", yref="paper", x=1, y=1, yanchor="bottom", xanchor="right",
                       showarrow=False, font=dict(size=11, color="#6c757d"), yshift=14)
    style(fig, showlegend=False, bargap=0.1, margin=dict(l=40, r=10, t=40, b=40),
          xaxis=dict(title=_("an.tph.done_in_a_day"), dtick=1 if len(bins) <= 20 else None),
          yaxis=dict(title=_("an.tph.days")))
    return localise(fig), bins


register("flow-efficiency", flow_efficiency, Input("an-efficiency-grain", "value"))
register("wip-run", wip_run, Input("an-wip-waiting", "value"))
register("throughput-histogram", throughput_histogram)


def flow_efficiency_card():
    grain = dcc.RadioItems(id="an-efficiency-grain", value=None, inline=True, className="small",
                           inputClassName="me-1", labelClassName="me-2",
                           options=[{"value": g, "label": _(f"an.grain_{g}")} for g in GRAINS])
    return chart_card("flow-efficiency", N_("an.flow_efficiency"), N_("an.info.flow_efficiency"), controls=grain,
                      height=360)


def wip_run_card():
    waiting = dcc.Checklist(id="an-wip-waiting", value=[], inline=True, className="small", inputClassName="me-1",
                            options=[{"value": "waiting", "label": _("an.wip.with_waiting")}])
    return chart_card("wip-run", N_("an.wip_run"), N_("an.info.wip_run"), controls=waiting)


def throughput_histogram_card():
    return chart_card("throughput-histogram", N_("an.throughput_histogram"), N_("an.info.throughput_histogram"))
