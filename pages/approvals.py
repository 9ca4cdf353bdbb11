"""`/approvals`: what waits for my approval — each request's summary, a comment box, Approve and Reject.
The decision goes through data/approvals/decide.py, which checks again that it is mine to make."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from components.guard import allowed, denied
from components.i18n import N_, _, current_locale, error_message
from components.sla_admin import acting_user
from data.approvals import decide, view
from data.config import company_tz
from data.db import read_session, session_scope
from data.errors import OknoError
from data.intake import answers
from data.models import Ticket

dash.register_page(__name__, path="/approvals", title="Okno · Approvals")
P = "appr"
DECIDED = {"approved": N_("approvals.decided.approved"), "rejected": N_("approvals.decided.rejected")}


def _fields(schema: list, fields: dict):
    rows = [html.Tr([html.Th(a["label"], className="fw-normal text-muted"), html.Td(a["value"])])
            for a in answers.labelled(schema, fields, current_locale())]
    return dbc.Table(html.Tbody(rows), size="sm", className="mb-2") if rows else None


def _item(r: dict):
    when = r["asked_at"].astimezone(company_tz()).strftime("%d.%m.%Y %H:%M")
    return html.Div(dbc.Card(dbc.CardBody([
        html.H5([html.A(f"#{r['number']}", href=f"/ticket/{r['number']}", className="me-2"), r["title"]],
                className="card-title"),
        html.Div(" · ".join(x for x in (r["requester"], r["service"], r["type"]) if x), className="text-muted small"),
        html.Div(_("approvals.step_of", step=r["step"], steps=r["steps"]) + f" · {when}", className="small mb-2"),
        html.Div(r["description"], style={"whiteSpace": "pre-wrap"}, className="mb-2") if r["description"] else None,
        _fields(r["schema"], r["fields"]),
        # The textarea inside its label: a pattern-matching id can't be named by a label's `for`.
        html.Label([html.Span(_("approvals.comment"), className="small d-block mb-1"),
                    dbc.Textarea(id={"type": f"{P}-comment", "id": r["id"]}, rows=2, maxLength=2000, className="mb-2")],
                   className="d-block"),
        dbc.Button(_("approvals.approve"), id={"type": f"{P}-approve", "id": r["id"]}, color="success",
                   className="me-2"),
        dbc.Button(_("approvals.reject"), id={"type": f"{P}-reject", "id": r["id"]}, color="danger", outline=True),
    ]), className="mb-3"), className="okno-approval", **{"data-number": str(r["number"])})


def _list():
    with read_session() as s:
        user = acting_user(s)
        items = [_item(r) for r in (view.waiting_for(s, user) if user is not None else [])]
        others = [_item(r) for r in view.waiting_for_others(s, user)]  # admins only
    items = items or [html.P(_("approvals.none"), className="text-muted", id=f"{P}-empty")]
    if others:
        items += [html.H5(_("approvals.others"), className="mt-4"),
                  html.P(_("approvals.others_help"), className="small text-muted"), html.Div(others, id=f"{P}-others")]
    return items


def layout(**_kw):
    if not allowed("approvals"):
        return denied()
    return html.Div([
        html.H3(_("approvals.title"), className="mt-3"),
        html.P(_("approvals.intro"), className="text-muted"),
        html.Div(id=f"{P}-msg", role="status"),
        html.Div(_list(), id=f"{P}-list"),
    ], className="container-fluid", style={"maxWidth": "900px"})


@callback(Output(f"{P}-msg", "children"), Output(f"{P}-list", "children"),
          Input({"type": f"{P}-approve", "id": ALL}, "n_clicks"), Input({"type": f"{P}-reject", "id": ALL}, "n_clicks"),
          State({"type": f"{P}-comment", "id": ALL}, "value"), State({"type": f"{P}-comment", "id": ALL}, "id"),
          prevent_initial_call=True)
def decide_one(_approves, _rejects, comments, comment_ids):
    trigger = ctx.triggered_id
    if not trigger or not any(t.get("value") for t in ctx.triggered):
        raise PreventUpdate  # the list was redrawn, nothing pressed
    decision = "approved" if trigger["type"] == f"{P}-approve" else "rejected"
    comment = next((c for c, i in zip(comments, comment_ids) if i["id"] == trigger["id"]), None)
    try:
        with session_scope() as s:
            row = decide.decide(s, acting_user(s), trigger["id"], decision, comment)
            number = s.get(Ticket, row.ticket_id).number
    except OknoError as err:
        return dbc.Alert(error_message(err), color="warning", id=f"{P}-error"), _list()
    return dbc.Alert(_(DECIDED[decision], number=number), color="success", id=f"{P}-done"), _list()
