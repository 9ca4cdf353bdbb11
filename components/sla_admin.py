"""Shared pieces of the SLA and rules admin pages: the sub-navigation and generic forms.

A form's inputs have ids {"type": "<prefix>-f", "key": <field>}, so one callback reads or fills
the whole form with ALL, and a ValidationError marks exactly the fields it names as invalid.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, ctx, dcc, html
from flask_login import current_user

from data.errors import OknoError, ValidationError
from data.models import User

from .i18n import _

PAGES = [("/admin/calendars", "slaadmin.calendars"), ("/admin/sla", "slaadmin.policies"),
         ("/admin/priorities", "slaadmin.priorities"), ("/admin/rules", "slaadmin.rules")]


def subnav(active: str):
    return dbc.Nav([dbc.NavItem(dbc.NavLink(_(label), href=href, active=href == active)) for href, label in PAGES],
                   pills=True, className="mb-3")


def fid(prefix: str, key: str) -> dict:
    return {"type": f"{prefix}-f", "key": key}


def all_fields(prefix: str) -> dict:
    return {"type": f"{prefix}-f", "key": ALL}


def labelled(prefix: str, key: str, label: str, component, width: int = 6, help_text: str | None = None):
    children = [dbc.Label(label, html_for=f"{prefix}-{key}"), component]
    if help_text:
        children.append(dbc.FormText(help_text))
    return dbc.Col(children, md=width, className="mb-2")


def text_input(prefix: str, key: str, **kw):
    return dbc.Input(id=fid(prefix, key), type=kw.pop("type", "text"), **kw)


def select(prefix: str, key: str, options: list[dict], empty: str = "—"):
    """A native <select> (fast, and easy to drive in tests); values travel as strings."""
    return dbc.Select(id=fid(prefix, key), options=[{"label": empty, "value": ""}] +
                      [{"label": o["label"], "value": str(o["value"])} for o in options], value="")


def multi(prefix: str, key: str, options: list[dict]):
    """A multi-choice dropdown; its id type is "<prefix>-m" (dropdowns have no `invalid` property)."""
    return dcc.Dropdown(id={"type": f"{prefix}-m", "key": key}, options=options, multi=True, value=[],
                        placeholder="—")


def all_multi(prefix: str) -> dict:
    return {"type": f"{prefix}-m", "key": ALL}


def form_values(*positions: int) -> dict:
    """{field key: value} of the pattern-matched fields given as the callback's states at these positions."""
    return {item["id"]["key"]: item.get("value") for p in positions or (0,) for item in ctx.states_list[p]}


def fill(values: dict, output_position: int = 0) -> list:
    """Values for an ALL output of the form, in the order Dash lists the fields."""
    return [values.get(item["id"]["key"]) for item in ctx.outputs_list[output_position]]


def invalid_flags(err: Exception | None, output_position: int) -> list:
    fields = err.fields if isinstance(err, ValidationError) else {}
    return [item["id"]["key"] in fields for item in ctx.outputs_list[output_position]]


def problem(err: OknoError, labels: dict[str, str]):
    """The error as an alert listing each field's problem by its label."""
    items = [html.Li(f"{labels.get(k, k)}: {v}") for k, v in getattr(err, "fields", {}).items()]
    return dbc.Alert([html.Div(str(err)), html.Ul(items, className="mb-0")] if items else str(err),
                     color="danger", className="py-2", id="slaadmin-error")


def saved(text: str):
    return dbc.Alert(text, color="success", className="py-2", duration=4000, id="slaadmin-saved")


def acting_user(session) -> User | None:
    return session.get(User, int(current_user.id)) if getattr(current_user, "is_authenticated", False) else None


def as_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def lines(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").splitlines() if x.strip()]
