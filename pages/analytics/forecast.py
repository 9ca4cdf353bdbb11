"""`/analytics/forecast`: Monte Carlo "when will N tickets be done" and "how many by a date"
(data/metrics/forecast.py), from the daily throughput of the filter's date range."""
from datetime import date, timedelta

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, dcc, html

from components.analytics_page import page_shell
from components.chart_card import COLORS, chart_card, empty_figure, register, style
from components.guard import allowed, denied
from components.i18n import N_, _
from data.metrics import PERCENTILES, forecast
from data.metrics.filters import today

dash.register_page(__name__, path="/analytics/forecast", title="Okno · Forecast")

P = "an-fc"
LINE = {0.5: "p50", 0.85: "p85", 0.95: "p95"}


def _items(raw):
    return int(raw) if raw not in (None, "") and str(raw).isdigit() and 0 < int(raw) <= 1_000_000 else None


def _until(raw):
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def when(session, user, f, items):
    result = forecast.forecast(session, user, f, items=_items(items))
    w = result["when"]
    summary = _("an.fc.history", days=result["history_days"], done=result["history_done"])
    if w is None:
        return empty_figure(_("an.fc.none") + " " + summary), []
    counts, start = w["days"], result["start"]
    x = [start + timedelta(days=d - 1) for d in range(1, len(counts))]
    fig = go.Figure(go.Bar(x=x, y=[100.0 * c / w["trials"] for c in counts[1:]], marker_color=COLORS["created"],
                           hovertemplate="%{x}<br>%{y:.2f}%<extra></extra>"))
    for p, d in w["dates"].items():
        if d is not None:
            fig.add_vline(x=d, line_dash="dash", line_color=COLORS[LINE[p]])
    dates = " · ".join(f"<b>{int(p * 100)}%: {d.isoformat() if d else '—'}</b>" for p, d in w["dates"].items())
    style(fig, showlegend=False, yaxis=dict(title=_("an.fc.share")), margin=dict(l=40, r=10, t=50, b=30),
          title=dict(text=_("an.fc.items", n=result["items"]) + f": {dates}<br><sup>{summary}</sup>",
                     font=dict(size=13), x=0.01, y=0.97))
    return fig, [{"percent": int(p * 100), "done_by": d} for p, d in w["dates"].items()]


def how_many(session, user, f, until):
    until = _until(until) or today() + timedelta(days=30)
    result = forecast.forecast(session, user, f, items=0, until=until)
    m = result["how_many"]
    if m is None or result["history_done"] == 0:
        return empty_figure(_("an.fc.none")), []
    bins = m["histogram"]
    fig = go.Figure(go.Bar(x=[(b["from"] + b["to"]) / 2 for b in bins], y=[100.0 * b["trials"] / m["trials"] for b in bins],
                           width=[(b["to"] - b["from"]) * 0.95 for b in bins], marker_color=COLORS["done"],
                           customdata=[[b["from"], b["to"]] for b in bins],
                           hovertemplate="%{customdata[0]:.0f}–%{customdata[1]:.0f}: %{y:.2f}%<extra></extra>"))
    for p in PERCENTILES:
        fig.add_vline(x=m["at_least"][p], line_dash="dash", line_color=COLORS[LINE[p]])
    text = " · ".join("<b>" + _("an.fc.at_least", p=int(p * 100), n=m["at_least"][p]) + "</b>" for p in PERCENTILES)
    style(fig, showlegend=False, xaxis=dict(title=_("an.fc.done_by", date=until.isoformat())),
          yaxis=dict(title=_("an.fc.share")), margin=dict(l=40, r=10, t=50, b=40),
          title=dict(text=_("an.fc.by", date=until.isoformat()) + f": {text}", font=dict(size=13), x=0.01, y=0.97))
    return fig, [{"percent": int(p * 100), "at_least": m["at_least"][p], "until": until} for p in PERCENTILES]


register("forecast-when", when, Input(f"{P}-items", "value"))
register("forecast-many", how_many, Input(f"{P}-until", "date"))


def layout(**query):
    if not allowed("analytics"):
        return denied()
    items = dbc.InputGroup([dbc.InputGroupText(_("an.fc.n")),
                            dbc.Input(id=f"{P}-items", type="number", min=1, debounce=True,
                                      placeholder=_("an.fc.n_default"), style={"maxWidth": "120px"})], size="sm")
    until = html.Div([html.Small(_("an.fc.until"), className="me-1"),
                      dcc.DatePickerSingle(id=f"{P}-until", date=today() + timedelta(days=30),
                                           display_format="YYYY-MM-DD", first_day_of_week=1)],
                     className="d-flex align-items-center")
    return page_shell("forecast", query, dbc.Row([
        dbc.Col(chart_card("forecast-when", N_("an.fc.when"), N_("an.info.forecast_when"), controls=items,
                           height=380), lg=6),
        dbc.Col(chart_card("forecast-many", N_("an.fc.many"), N_("an.info.forecast_many"), controls=until,
                           height=380), lg=6),
    ], className="g-3"))
