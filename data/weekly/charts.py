"""The weekly summary's charts (Plotly figures, built from the summary dict) and their data exports.

The page shows these figures in dcc.Graph; the offline HTML file and the PDF embed the same ones.
"""
from __future__ import annotations

import plotly.graph_objects as go
from sqlalchemy.orm import Session

from data.exports import jobs as exports
from data.weekly import summary as weekly
from data.errors import Text, ValidationError
from data.i18n import translate
from data.models import User

COLORS = {"created": "#0d6efd", "resolved": "#198754", "backlog": "#6c757d", "last": "#adb5bd"}
WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")}


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 14}}, height=300, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.15}, plot_bgcolor="white", paper_bgcolor="white",
                      barmode="group", font={"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial"})
    fig.update_yaxes(gridcolor="#e9ecef", rangemode="tozero")
    return fig


def daily(summary: dict, locale: str) -> go.Figure:
    days = [f"{WEEKDAYS[locale][i]} {d['day'][8:10]}" for i, d in enumerate(summary["daily"])]
    fig = go.Figure([
        go.Bar(name=translate("weekly.fig.created", locale), x=days, y=[d["created"] for d in summary["daily"]],
               marker_color=COLORS["created"]),
        go.Bar(name=translate("weekly.fig.resolved", locale), x=days, y=[d["resolved"] for d in summary["daily"]],
               marker_color=COLORS["resolved"]),
        go.Scatter(name=translate("weekly.fig.backlog", locale), x=days, y=[d["backlog"] for d in summary["daily"]],
                   mode="lines+markers", line={"color": COLORS["backlog"]}, yaxis="y2"),
    ])
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False})
    return _layout(fig, translate("weekly.chart.daily", locale))


def teams(summary: dict, locale: str) -> go.Figure:
    names = [t["name"] for t in summary["teams"]]
    fig = go.Figure([
        go.Bar(name=translate("weekly.last_week", locale), x=names,
               y=[t["figures"]["resolved"]["previous"] for t in summary["teams"]], marker_color=COLORS["last"]),
        go.Bar(name=translate("weekly.this_week", locale), x=names,
               y=[t["figures"]["resolved"]["value"] for t in summary["teams"]], marker_color=COLORS["resolved"]),
    ])
    return _layout(fig, translate("weekly.chart.teams", locale))


def figures(summary: dict, locale: str) -> list[tuple[str, go.Figure]]:
    """(chart name for data export, figure) in page order; empty weeks get no charts."""
    out = [("weekly-daily", daily(summary, locale))]
    if summary["teams"]:
        out.append(("weekly-teams", teams(summary, locale)))
    return out


# ---- chart data for analysts (/exports/charts/<name>.csv|xlsx?week=2026-W46&teams=1,2) ----

def _summary_from(session: Session, actor: User, params: dict) -> dict:
    week = weekly.Week.parse(params["week"]) if params.get("week") else weekly.last_full_week()
    raw = [p for p in (params.get("teams") or "").split(",") if p.strip()]
    if not all(p.strip().isdigit() for p in raw):
        raise ValidationError("errors.team_ids", {"teams": Text("errors.field.team_ids")})
    return weekly.summary(session, actor, week, [int(p) for p in raw])


@exports.chart("weekly-daily")
def daily_rows(session: Session, actor: User, params: dict):
    s = _summary_from(session, actor, params)
    return ["day", "created", "resolved", "backlog"], [(d["day"], d["created"], d["resolved"], d["backlog"])
                                                       for d in s["daily"]]


@exports.chart("weekly-teams")
def team_rows(session: Session, actor: User, params: dict):
    s = _summary_from(session, actor, params)
    header = ["week", "team"] + [f"{k}{suffix}" for k in weekly.FIGURES for suffix in ("", "_previous")]
    rows = [[s["week"], t["name"]] + [t["figures"][k][part] for k in weekly.FIGURES for part in ("value", "previous")]
            for t in [dict(s["company"], name="*")] + s["teams"]]
    return header, rows
