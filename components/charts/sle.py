"""Per-column service-level expectations drawn on the aging work chart (ActionableAgile): a short line per
column at the age by which 50/85/95% of the finished cards had left it, and a red ring on each open
card already older than its column's 85% — the ones to look at first."""
from __future__ import annotations

import plotly.graph_objects as go

from data.metrics import sle

from components.chart_card import COLORS
from components.charts.numbers import number
from components.i18n import _

LINES = ((0.5, "p50"), (0.85, "p85"), (0.95, "p95"))
AT_RISK = 0.85


def overlay(fig: go.Figure, session, user, f, points: list[dict], label: dict, by_status: bool) -> dict:
    """Add the SLE markers to the aging figure (its first trace is the open cards, one per point) and
    return {category label: {fraction: days}} for the chart's data."""
    found = sle.column_sle(session, user, f)
    if by_status:
        per_label = {_(f"status.{k}"): v for k, v in found["statuses"].items()}
    else:
        per_label = {label[c]: v for c, v in found["columns"].items() if c in label}
    if not per_label:
        return {}
    names = list(per_label)
    for fraction, key in LINES:
        fig.add_trace(go.Scatter(
            x=names, y=[per_label[n][fraction] for n in names], mode="markers", name=_("an.sle.line", p=int(fraction * 100)),
            marker=dict(symbol="line-ew", size=44, line=dict(width=3, color=COLORS[key])),
            customdata=[[number(per_label[n][fraction]), per_label[n]["n"], int(fraction * 100)] for n in names],
            hovertemplate=_("an.sle.hover") + "<extra></extra>"))
    keys = [label.get(p["column_id"]) if not by_status else _(f"status.{p['status']}") for p in points]
    late = [k in per_label and p["age_days"] > per_label[k][AT_RISK] for k, p in zip(keys, points)]
    fig.data[0].marker.line = dict(width=[2 if x else 0 for x in late], color=COLORS["breached"])
    fig.data[0].showlegend = False  # the legend names the SLE lines only
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=1.1, x=0))
    return per_label
