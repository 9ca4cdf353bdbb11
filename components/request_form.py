"""Rendering a request type's form (field schema) as Dash components with pattern-matching ids.

ids: {"type": "portal-field", "key"} for values, {"type": "portal-file", "key"} for file fields,
{"type": "portal-wrap", "key"} for the show-when wrapper, {"type": "portal-error", "key"} for messages.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.intake.forms import visible

from components.i18n import _


def error_slot(key: str):
    return html.Div(id={"type": "portal-error", "key": key}, className="invalid-feedback d-block")


def _control(field: dict):
    key, kind = field["key"], field.get("type", "text")
    cid = {"type": "portal-field", "key": key}
    options = [{"label": o, "value": o} for o in field.get("options") or []]
    if kind == "textarea":
        return dbc.Textarea(id=cid, value="", rows=4)
    if kind == "number":
        return dbc.Input(id=cid, type="number", value=None)
    if kind == "date":
        return dbc.Input(id=cid, type="date", value=None)
    if kind in ("select", "multiselect"):
        return dcc.Dropdown(id=cid, options=options, value=[] if kind == "multiselect" else None,
                            multi=kind == "multiselect", placeholder="—")
    if kind == "checkbox":
        return dbc.Checkbox(id=cid, value=False, label=field.get("label"))
    if kind == "file":
        return html.Div([dcc.Upload(html.Div([html.I(className="bi bi-paperclip me-1"), _("portal.attach")]),
                                    id={"type": "portal-file", "key": key}, multiple=True,
                                    className="okno-upload border rounded p-2 text-muted small text-center"),
                         html.Div(id={"type": "portal-file-names", "key": key}, className="small text-muted")])
    return dbc.Input(id=cid, type="text", value="")


def field_block(field: dict, values: dict):
    label = [field.get("label") or field["key"], html.Span(" *", className="text-danger") if field.get("required") else ""]
    parts = [] if field.get("type") == "checkbox" else [dbc.Label(label, className="mb-1")]
    parts.append(_control(field))
    if field.get("help"):
        parts.append(dbc.FormText(field["help"]))
    parts.append(error_slot(field["key"]))
    return html.Div(parts, id={"type": "portal-wrap", "key": field["key"]}, className="mb-3",
                    style=None if visible(field, values) else {"display": "none"})


def form(schema: list, checklist: list):
    """The fields (initial visibility from the default values) and the checklist to confirm."""
    defaults = {f["key"]: False for f in schema if f.get("type") == "checkbox"}
    blocks = [field_block(f, defaults) for f in schema if f.get("key")]
    required = [(i, item) for i, item in enumerate(checklist or [])
                if isinstance(item, dict) and item.get("required_on_submit")]
    if required:
        blocks.append(html.Div([
            dbc.Label(_("portal.checklist"), className="fw-semibold"),
            dbc.Checklist(id="portal-new-checklist", options=[{"label": item["text"], "value": i} for i, item in required],
                          value=[]),
            error_slot("checklist")], className="mb-3 p-2 border rounded bg-light"))
    else:
        blocks.append(dbc.Checklist(id="portal-new-checklist", options=[], value=[], className="d-none"))
    return blocks
