"""Small helpers for admin forms: a labelled control, option lists, the save result message."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from data.errors import OknoError
from data.i18n import N_

from components.i18n import _, error_message


def row(label_key: str, control, help_text: str | None = None, md: int = 12):
    return dbc.Col([dbc.Label(_(label_key), className="mb-1 small fw-semibold"), control,
                    dbc.FormText(help_text) if help_text else None], md=md, className="mb-2")


NONE = "0"  # the "nothing chosen" option (dbc.Select keeps "" for its own hidden placeholder)


def select_options(items: list[dict], empty: str = "—") -> list[dict]:
    """dbc.Select options with a "nothing" first choice (values as strings, as the browser sends them)."""
    return [{"label": empty, "value": NONE}] + [{"label": i["label"], "value": str(i["value"])} for i in items]


def choice(value) -> str:
    """A dbc.Select value for an id that may be missing."""
    return str(value) if value else NONE


def user():
    return current_user._get_current_object()


def result(err: Exception | None, ok_key: str = N_("admin.saved"), alert_id: str = "admin-result"):
    """A success note, or the service function's message (it names the field and what is wrong)."""
    if err is None:
        return dbc.Alert(_(ok_key), color="success", duration=4000, id=alert_id)
    return dbc.Alert(error_message(err) if isinstance(err, OknoError) else _("errors.unexpected"), color="danger",
                     id=alert_id)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def as_int(value) -> int | None:
    """An id from a select or the URL; "nothing chosen" and junk are None."""
    return int(value) if str(value or "").isdigit() and int(value) else None


def heading(*children):
    return html.Div(list(children), className="d-flex align-items-center mb-3")
