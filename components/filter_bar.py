"""The analytics filter bar: one component on every analytics page, its state kept in the URL.

The bar writes the filter into the store `an-filter` (URL parameters as a dict); every chart
callback reads that store, and a clientside callback puts it into the address bar with
history.replaceState, so a copied link reproduces the view.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, callback, clientside_callback, dcc, html

from data.catalog import lookups
from data.db import read_session
from data.metrics import filters
from data.models import CHANNELS

from components.i18n import N_, _, current_locale

FILTER = "an-filter"  # the store every analytics callback reads
DROPDOWNS = [("service", N_("an.f.service")), ("team", N_("an.f.team")), ("board", N_("an.f.board")),
             ("agent", N_("an.f.agent")), ("priority", N_("an.f.priority")), ("channel", N_("an.f.channel")),
             ("type", N_("an.f.type"))]


def _options() -> dict[str, list[dict]]:
    with read_session() as s:
        return {
            "service": lookups.services(s), "team": lookups.teams(s), "board": lookups.boards(s),
            "agent": [{"value": 0, "label": _("an.unassigned")}] + lookups.agents(s),
            "priority": [{"value": p["value"], "label": p["label"]} for p in lookups.priorities(s, current_locale())],
            "channel": [{"value": c, "label": _(f"channel.{c}")} for c in CHANNELS],
            "type": lookups.request_types(s),
        }


def filter_bar(f: filters.TicketFilter, problems: list[str], *, dates: bool = True):
    """The bar for filter `f` (parsed from the URL by the page); `problems` are the ignored URL values."""
    options = _options()
    cols = []
    if dates:
        cols.append(dbc.Col([dbc.Label(_("an.f.dates")),
                             dcc.DatePickerRange(id="an-f-dates", start_date=f.date_from, end_date=f.date_to,
                                                 display_format="YYYY-MM-DD", first_day_of_week=1,
                                                 minimum_nights=0)], md="auto"))
    else:  # keep the inputs so the one callback stays valid; this page doesn't use the range
        cols.append(dcc.DatePickerRange(id="an-f-dates", start_date=f.date_from, end_date=f.date_to,
                                        style={"display": "none"}))
    for key, label in DROPDOWNS:
        cols.append(dbc.Col([dbc.Label(_(label)),
                             dcc.Dropdown(id=f"an-f-{key}", options=options[key], value=list(getattr(f, key)),
                                          multi=True, placeholder=_("an.f.all"))], md=2 if key != "type" else 3))
    note = (dbc.Alert(_("an.ignored", values=", ".join(problems)), color="warning", className="okno-note py-1",
                      dismissable=True) if problems else None)
    return html.Div([
        note,
        dbc.Row(cols, className="okno-filterbar g-2 mb-2 align-items-end", id="an-filterbar"),
        dcc.Store(id=FILTER, data=f.to_query()), dcc.Store(id="an-url-sync"),
    ])


@callback(Output(FILTER, "data"),
          [Input("an-f-dates", "start_date"), Input("an-f-dates", "end_date")] +
          [Input(f"an-f-{key}", "value") for key, _label in DROPDOWNS], prevent_initial_call=True)
def filter_changed(start, end, *values):
    query = {"from": (start or "")[:10], "to": (end or "")[:10]}
    query.update({key: ",".join(map(str, v or [])) for (key, _label), v in zip(DROPDOWNS, values)})
    f, _problems = filters.parse(query)
    return f.to_query()


clientside_callback(ClientsideFunction("okno_analytics", "syncUrl"), Output("an-url-sync", "data"),
                    Input(FILTER, "data"), prevent_initial_call=True)
