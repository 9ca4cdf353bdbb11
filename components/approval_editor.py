"""The request-type page's approval step editor: each step is "who approves" (one select: the requester's
manager, a role, a group, a person) and "all" or "any"; an optional waiting column; its own Save, which goes
through data/approvals/config.py (admins only, audited). Ids start with "appr-ed"."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from components import admin_form as af
from components.approval_view import ROLE_LABELS
from components.i18n import N_, _
from data.approvals import config as approval_config
from data.db import read_session, session_scope
from data.errors import OknoError

E = "appr-ed"


def _who_options(c: dict) -> list[dict]:
    return ([{"label": _("approvals.kind.manager"), "value": "manager"}]
            + [{"label": f"{_('approvals.kind.role')}: {_(ROLE_LABELS[r])}", "value": f"role:{r}"} for r in c["roles"]]
            + [{"label": f"{_('approvals.kind.group')}: {t['label']}", "value": f"group:{t['value']}"}
               for t in c["teams"]]
            + [{"label": f"{_('approvals.kind.person')}: {p['label']}", "value": f"person:{p['value']}"}
               for p in c["people"]])


def _rows(steps: list[dict], c: dict) -> list:
    who = _who_options(c)
    modes = [{"label": _("approvals.mode.any"), "value": "any"}, {"label": _("approvals.mode.all"), "value": "all"}]
    head = dbc.Row([dbc.Col(html.Span("#", className="invisible"), width="auto"),
                    dbc.Col(_("approvals.editor.who"), md=6), dbc.Col(_("approvals.editor.mode"), md=3)],
                   className="g-2 small fw-semibold text-muted")
    return [head] * bool(steps) + [dbc.Row([
        dbc.Col(html.Span(f"{i + 1}.", className="fw-semibold"), width="auto", className="pt-1"),
        dbc.Col(dbc.Select(id={"type": f"{E}-who", "i": i}, options=who, value=approval_config.encode(step)), md=6),
        dbc.Col(dbc.Select(id={"type": f"{E}-mode", "i": i}, options=modes, value=step.get("mode") or "any"), md=3),
        dbc.Col(dbc.Button([html.I(className="bi bi-x"), html.Span(_("approvals.editor.remove"),
                                                                   className="visually-hidden")],
                           id={"type": f"{E}-remove", "i": i}, color="link", title=_("approvals.editor.remove")),
                width="auto"),
    ], className="g-2 mb-2 align-items-center") for i, step in enumerate(steps)]


def editor(approval: dict | None, session) -> html.Div:
    c = approval_config.choices(session)
    approval = approval or {}
    return html.Div([
        html.H5(_("approvals.editor.title"), className="mt-4"),
        html.P(_("approvals.editor.help"), className="small text-muted"),
        html.Div(_rows(approval.get("steps") or [], c), id=f"{E}-steps"),
        dbc.Button([html.I(className="bi bi-plus me-1"), _("approvals.editor.add")], id=f"{E}-add", size="sm",
                   color="secondary", outline=True, className="mb-2"),
        dbc.Row(af.row(N_("approvals.editor.column"), dbc.Select(
            id=f"{E}-column", options=af.select_options(c["columns"], _("approvals.editor.first")),
            value=af.choice(approval.get("column_id"))), md=6)),
        html.Div(id=f"{E}-result"),
        dbc.Button(_("approvals.editor.save"), id=f"{E}-save", color="primary", outline=True, className="mt-1"),
    ], id=f"{E}")


def _steps_from(whos, modes) -> list[dict]:
    return [approval_config.decode(w, m) for w, m in zip(whos or [], modes or [])]


@callback(Output(f"{E}-steps", "children"), Input(f"{E}-add", "n_clicks"),
          Input({"type": f"{E}-remove", "i": ALL}, "n_clicks"), State({"type": f"{E}-who", "i": ALL}, "value"),
          State({"type": f"{E}-mode", "i": ALL}, "value"), prevent_initial_call=True)
def edit_steps(_add, removes, whos, modes):
    steps = _steps_from(whos, modes)
    trigger = ctx.triggered_id
    if trigger == f"{E}-add":
        steps.append({"kind": "manager", "ref": None, "mode": "any"})
    elif isinstance(trigger, dict) and any(removes or []):
        steps = [s for i, s in enumerate(steps) if i != trigger["i"]]
    else:
        raise PreventUpdate
    with read_session() as s:
        return _rows(steps, approval_config.choices(s))


@callback(Output(f"{E}-result", "children"), Input(f"{E}-save", "n_clicks"), State("admin-rt-id", "data"),
          State({"type": f"{E}-who", "i": ALL}, "value"), State({"type": f"{E}-mode", "i": ALL}, "value"),
          State(f"{E}-column", "value"), prevent_initial_call=True)
def save_steps(_n, type_id, whos, modes, column):
    if not type_id:
        return dbc.Alert(_("approvals.editor.save_type_first"), color="warning", className="py-1 mt-2")
    try:
        with session_scope() as s:
            approval_config.save(s, af.user(), type_id, {"steps": _steps_from(whos, modes),
                                                         "column_id": af.as_int(column)})
    except OknoError as err:
        return af.result(err, alert_id=f"{E}-error")
    return af.result(None, alert_id=f"{E}-saved")
