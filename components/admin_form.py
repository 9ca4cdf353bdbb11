"""Small helpers for admin forms: a labelled control, option lists, the save result message."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from data.errors import OknoError, ValidationError

from .i18n import _


def row(label_key: str, control, help_text: str | None = None, md: int = 12):
    return dbc.Col([dbc.Label(_(label_key), className="mb-1 small fw-semibold"), control,
                    dbc.FormText(help_text) if help_text else None], md=md, className="mb-2")


def select_options(items: list[dict], empty: str = "—") -> list[dict]:
    """dbc.Select options with an empty first choice (values as strings, as the browser sends them)."""
    return [{"label": empty, "value": ""}] + [{"label": i["label"], "value": str(i["value"])} for i in items]


def user():
    return current_user._get_current_object()


def result(err: Exception | None, ok_key: str = "admin.saved", alert_id: str = "admin-result"):
    if err is None:
        return dbc.Alert(_(ok_key), color="success", duration=4000, id=alert_id)
    message = str(err)
    if isinstance(err, ValidationError) and err.fields:
        message = "; ".join(f"{k}: {v}" if v not in message else v for k, v in err.fields.items())
        message = str(err) if len(message) < len(str(err)) else message
    return dbc.Alert(message if isinstance(err, OknoError) else "Error", color="danger", id=alert_id)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def as_int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def heading(*children):
    return html.Div(list(children), className="d-flex align-items-center mb-3")
