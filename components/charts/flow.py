"""Flow charts: created vs resolved with backlog, throughput run chart, cycle-time scatterplot,
lead-time histogram, cumulative flow diagram, aging work in progress."""
from __future__ import annotations

import math
from datetime import timedelta

import plotly.graph_objects as go
from dash import Input

from data.metrics import flow
from data.metrics.sql import GRAINS, auto_grain
from data.tickets.status import STATUSES

from components.chart_card import COLORS, empty_figure, log_axis, number, register, style, tickets_link
from components.charts import sle
from components.i18n import N_, _

PCT_LINES = ((0.5, "p50"), (0.85, "p85"), (0.95, "p95"))
# Shown as _(f"an.per_{grain}") and _(f"an.grain_{grain}"): the message ids, for extraction.
GRAIN_LABELS = {"day": (N_("an.per_day"), N_("an.grain_day")), "week": (N_("an.per_week"), N_("an.grain_week")),
                "month": (N_("an.per_month"), N_("an.grain_month"))}


def _bucket_end(bucket, grain, f):
    end = {"day": bucket, "week": bucket + timedelta(days=6)}.get(grain)
    if end is None:  # month
        end = (bucket.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return min(end, f.date_to)


def created_resolved(session, user, f, grain=None):
    grain = grain or auto_grain(f.days)
    data = flow.created_resolved(session, user, f, grain)
    if not data:
        return empty_figure(_("an.nodata")), []
    x = [r["bucket"] for r in data]
    created_links = [tickets_link(f, created_from=max(b, f.date_from), created_to=_bucket_end(b, grain, f)) for b in x]
    resolved_links = [tickets_link(f, resolved_from=max(b, f.date_from), resolved_to=_bucket_end(b, grain, f)) for b in x]
    hatch, note = partial_pattern(data), partial_text(data)
    fig = go.Figure([
        go.Bar(x=x, y=[r["created"] for r in data], name=_("an.created"), marker_color=COLORS["created"],
               marker_pattern=hatch, customdata=created_links, text=note, textposition="none",
               hovertemplate="%{x}<br>" + _("an.created") + ": %{y}%{text}<extra></extra>"),
        go.Bar(x=x, y=[r["resolved"] for r in data], name=_("an.resolved"), marker_color=COLORS["resolved"],
               marker_pattern=hatch, customdata=resolved_links, text=note, textposition="none",
               hovertemplate="%{x}<br>" + _("an.resolved") + ": %{y}%{text}<extra></extra>"),
        go.Scatter(x=x, y=[r["backlog"] for r in data], name=_("an.backlog"), mode="lines+markers", yaxis="y2",
                   line=dict(color=COLORS["backlog"], width=2), marker_symbol=partial_symbols(data),
                   customdata=[tickets_link(f, status="queue,in_progress,waiting")] * len(x),
                   hovertemplate="%{x}<br>" + _("an.backlog") + ": %{y}<extra></extra>"),
    ])
    style(fig, barmode="group", yaxis2=dict(overlaying="y", side="right", showgrid=False, rangemode="tozero"))
    return fig, data


def throughput(session, user, f, grain=None):
    grain = grain or auto_grain(f.days)
    if grain not in GRAINS:  # only a forged callback sends another value; data/metrics refuses it as well
        return empty_figure(_("errors.bad_grain")), []
    data = flow.throughput(session, user, f, grain)
    x, y = [r["bucket"] for r in data], [r["done"] for r in data]
    if not data:
        return empty_figure(_("an.nodata")), []
    # A partial first or last period (cut by the range, or not over yet) is drawn dashed and hollow and left
    # out of the average: it would read as a drop in throughput that didn't happen.
    whole = [r["done"] for r in data if not r.get("partial")]
    mean = sum(whole) / len(whole) if whole else None
    links = [tickets_link(f, resolved_from=max(b, f.date_from), resolved_to=_bucket_end(b, grain, f)) for b in x]
    solid = [r["done"] if not r.get("partial") else None for r in data]
    # The dashed line joins each partial point to its whole neighbour.
    dashed = [r["done"] if r.get("partial") or _next_to_partial(data, i) else None for i, r in enumerate(data)]
    fig = go.Figure([
        go.Scatter(x=x, y=dashed, mode="lines+markers", name=_("an.partial"), line=dict(color=COLORS["done"], dash="dash"),
                   marker=dict(symbol="circle-open"), customdata=links, connectgaps=False, showlegend=False,
                   hovertemplate="%{x}<br>" + _("an.done") + ": %{y} (" + _("an.partial") + ")<extra></extra>"),
        go.Scatter(x=x, y=solid, mode="lines+markers", name=_("an.throughput"), line=dict(color=COLORS["done"]),
                   customdata=links, hovertemplate="%{x}<br>" + _("an.done") + ": %{y}<extra></extra>"),
    ])
    if mean is not None:
        fig.add_hline(y=mean, line_dash="dot", line_color="#6c757d",
                      annotation_text=_("an.average", value=number(mean)), annotation_position="top left")
    return style(fig, showlegend=False, yaxis=dict(rangemode="tozero", title=_(f"an.per_{grain}"))), data


def partial_pattern(data) -> dict:
    """Hatching for the bars of partial periods (cut by the range or not over yet). Every chart of periods
    marks them: bars hatched (this), lines with hollow markers (partial_symbols), and the hover says so
    (partial_text)."""
    return dict(shape=["/" if r.get("partial") else "" for r in data], solidity=0.4)


def partial_symbols(data) -> list[str]:
    """Hollow markers for a line's points of partial periods."""
    return ["circle-open" if r.get("partial") else "circle" for r in data]


def partial_text(data) -> list[str]:
    """Per point, what a hover adds for a partial period (use as `text` with `%{text}`, textposition none)."""
    return ["<br>" + _("an.partial") if r.get("partial") else "" for r in data]


def _next_to_partial(data, i) -> bool:
    return any(0 <= j < len(data) and data[j].get("partial") for j in (i - 1, i + 1))


def _label(fig, value, text, color, log=False):
    """A label at the right edge; annotations on a log axis take log10 of the value."""
    fig.add_annotation(x=1, xref="paper", xanchor="left", y=math.log10(value) if log else value, yref="y",
                       text=text, showarrow=False, font=dict(size=10, color=color))


def _percentile_lines(fig, percentiles, unit, log=False):
    for p, key in PCT_LINES:
        value = percentiles.get(p)
        if value is not None and value > 0:
            fig.add_hline(y=value, line_dash="dash", line_color=COLORS[key])
            _label(fig, value, f"{int(p * 100)}%: {number(value)} {unit}", COLORS[key], log)


def cycle_scatter(session, user, f):
    data = flow.cycle_scatter(session, user, f)
    points = data["points"]
    if not points:
        return empty_figure(_("an.nodata")), []
    fig = go.Figure(go.Scatter(
        x=[p["done_at"] for p in points], y=[p["days"] for p in points], mode="markers",
        marker=dict(size=6, color=COLORS["in_progress"], opacity=0.55),
        customdata=[[f"/ticket/{p['number']}", p["number"]] for p in points],
        hovertemplate="#%{customdata[1]}<br>%{x|%Y-%m-%d}<br>" + _("an.cycle") + ": %{y} " + _("an.d") + "<extra></extra>"))
    _percentile_lines(fig, data["percentiles"], _("an.d"), log=True)
    if data["total"] > len(points):
        fig.add_annotation(text=_("an.sampled", shown=len(points), total=data["total"]), xref="paper", yref="paper",
                           x=1, y=1.0, yanchor="bottom", showarrow=False, font=dict(size=11, color="#6c757d"))
    # Log scale: the long tail (a few tickets of months) would otherwise flatten everyone else to the floor.
    style(fig, showlegend=False, yaxis=log_axis(title=_("an.days_log")), margin=dict(l=40, r=70, t=24, b=30))
    rows = [{"number": p["number"], "done_at": p["done_at"], "cycle_days": p["days"]} for p in points]
    return fig, rows


def lead_histogram(session, user, f):
    data = flow.lead_histogram(session, user, f)
    if not data["bins"]:
        return empty_figure(_("an.nodata")), []
    bins = data["bins"]
    fig = go.Figure(go.Bar(
        x=[(b["from_days"] + b["to_days"]) / 2 for b in bins], y=[b["count"] for b in bins],
        width=[data["width"] * 0.95] * len(bins), marker_color=COLORS["created"],
        customdata=[[tickets_link(f, resolved_from=f.date_from, resolved_to=f.date_to), b["from_days"], b["to_days"]]
                    for b in bins],
        hovertemplate="%{customdata[1]:.1f}–%{customdata[2]:.1f} " + _("an.d") + ": %{y}<extra></extra>"))
    for p, key in PCT_LINES:
        value = data["percentiles"].get(p)
        if value is not None:
            fig.add_vline(x=value, line_dash="dash", line_color=COLORS[key],
                          annotation_text=f"{int(p * 100)}%: {number(value)}", annotation_position="top right")
    style(fig, showlegend=False, xaxis=dict(title=_("an.lead_days")), yaxis=dict(title=_("an.tickets")))
    return fig, bins


def cumulative_flow(session, user, f):
    found = flow.cumulative_flow(session, user, f)
    # Each band is the number of tickets in that status at the end of the day, stacked (done at the bottom);
    # done counts from the start of the period: tickets done before it would only lift every band.
    base = found["before"]["done"]
    data = [{"day": r["day"], **{s: r[s] for s in STATUSES}, "done": max(r["done"] - base, 0)} for r in found["days"]]
    if not data or not any(sum(r[s] for s in STATUSES) for r in data):
        return empty_figure(_("an.nodata")), []
    x = [r["day"] for r in data]
    fig = go.Figure()
    for status in reversed(STATUSES):  # done at the bottom
        fig.add_trace(go.Scatter(
            x=x, y=[r[status] for r in data], name=_(f"status.{status}"), mode="lines", stackgroup="cfd",
            line=dict(color=COLORS[status], width=1), customdata=[tickets_link(f, status=status)] * len(x),
            hovertemplate="%{x}<br>" + _(f"status.{status}") + ": %{y}<extra></extra>"))
    return style(fig, hovermode="x unified", yaxis=dict(title=_("an.tickets_cumulative"))), data


def aging_wip(session, user, f):
    data = flow.aging_wip(session, user, f)
    if not data["points"]:
        return empty_figure(_("an.nodata_open")), []
    # One board: its columns in order. Several boards: their columns would crowd the axis, so by status.
    many_boards = len({c["board"] for c in data["columns"]}) > 1
    if many_boards:
        label = {c["id"]: _(f"status.{c['kind']}") for c in data["columns"]}
        order = [_(f"status.{k}") for k in STATUSES[:3]]
    else:
        label = {c["id"]: c["name"] for c in data["columns"]}
        order = [c["name"] for c in data["columns"]]
    points = data["points"]
    fig = go.Figure(go.Scatter(
        x=[label.get(p["column_id"], "?") for p in points], y=[p["age_days"] for p in points], mode="markers",
        marker=dict(size=7, color=[COLORS.get(p["status"], "#6c757d") for p in points], opacity=0.6),
        customdata=[[f"/ticket/{p['number']}", p["number"]] for p in points],
        hovertemplate="#%{customdata[1]}<br>%{x}<br>" + _("an.age") + ": %{y} " + _("an.d") + "<extra></extra>"))
    low = 1  # ages start at one day; the log axis can't reach 0
    for p, color in ((0.5, "#d1e7dd"), (0.7, "#fff3cd"), (0.85, "#ffe5d0"), (0.95, "#f8d7da")):
        value = data["bands"].get(p)
        if value is not None and value > low:
            fig.add_hrect(y0=low, y1=value, fillcolor=color, opacity=0.6, line_width=0, layer="below")
            _label(fig, value, f"{int(p * 100)}%: {value:.0f} {_('an.d')}", "#6c757d", log=True)
            low = value
    style(fig, showlegend=False, xaxis=dict(categoryorder="array", categoryarray=order),
          yaxis=log_axis(title=_("an.age_days")), margin=dict(l=40, r=70, t=24, b=30))
    expected = sle.overlay(fig, session, user, f, points, label, many_boards)  # per-column SLE lines
    return fig, [{"number": p["number"], "column": label.get(p["column_id"]), "age_days": p["age_days"],
                  **{f"sle_p{int(q * 100)}": expected.get(label.get(p["column_id"]), {}).get(q) for q in (0.5, 0.85, 0.95)}}
                 for p in points]


register("created-resolved", created_resolved)
register("throughput", throughput, Input("an-throughput-grain", "value"))
register("cycle-scatter", cycle_scatter)
register("lead-histogram", lead_histogram)
register("cfd", cumulative_flow)
register("aging", aging_wip)


def throughput_card():
    """The run chart with its own day/week/month switch."""
    from dash import dcc

    from components.chart_card import chart_card
    grain = dcc.RadioItems(id="an-throughput-grain", value=None, inline=True, className="small",
                           inputClassName="me-1", labelClassName="me-2",
                           options=[{"value": g, "label": _(f"an.grain_{g}")} for g in ("day", "week", "month")])
    return chart_card("throughput", N_("an.throughput"), N_("an.info.throughput"), controls=grain)
