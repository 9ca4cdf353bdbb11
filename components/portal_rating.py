"""The satisfaction question on a resolved request's portal page: 1–5 and a comment, once per resolution.
The callback finds the question again from the signed-in requester (data/csat/rate.py checks ownership)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html

from components.i18n import _, error_message
from data.csat import rate
from data.db import session_scope
from data.errors import NotFound, OknoError
from data.models import Rating
from data.tickets.actions import get_by_number
from sqlalchemy import select

R = "portal-rating"


def widget(session, requester_id: int, ticket_id: int):
    """The question if one is open, the score given if the latest one was answered, else nothing."""
    latest = session.scalar(select(Rating).where(Rating.ticket_id == ticket_id, Rating.requester_id == requester_id)
                            .order_by(Rating.resolution.desc()).limit(1))
    if latest is not None and latest.score is not None:
        return html.Div(_("csat.portal.rated", score=latest.score), className="alert alert-light", id=f"{R}-given")
    if rate.open_question(session, requester_id, ticket_id) is None:
        return None
    return dbc.Card(dbc.CardBody([
        html.Div(_("csat.portal.question"), className="fw-semibold mb-2"),
        dbc.RadioItems(id=f"{R}-score", options=[{"label": f" {s}", "value": s} for s in (1, 2, 3, 4, 5)],
                       inline=True, className="mb-2"),
        dbc.Textarea(id=f"{R}-comment", rows=2, placeholder=_("csat.comment"), className="mb-2"),
        dbc.Button(_("csat.send"), id=f"{R}-send", color="primary", size="sm"),
        html.Div(id=f"{R}-feedback", className="mt-2"),
    ]), className="mb-3 border-success", id=f"{R}-card")


@callback(Output(f"{R}-feedback", "children"), Input(f"{R}-send", "n_clicks"), State("portal-request-number", "data"),
          State(f"{R}-score", "value"), State(f"{R}-comment", "value"), prevent_initial_call=True)
def send_rating(n_clicks, number, score, comment):
    from web.portal import requester_or_none
    if not n_clicks:
        return None
    try:
        with session_scope() as s:
            requester = requester_or_none(s)
            if requester is None:
                return dbc.Alert(_("portal.need_login"), color="warning")
            ticket = get_by_number(s, requester, int(number))
            question = rate.open_question(s, requester.id, ticket.id)
            if question is None:
                raise NotFound("csat.error.unknown")
            rate.rate_as(s, requester.id, question.id, score, comment)
    except (TypeError, ValueError):
        return dbc.Alert(_("portal.not_found"), color="danger")
    except OknoError as err:
        return dbc.Alert(error_message(err), color="danger", id=f"{R}-error")
    return dbc.Alert(_("csat.thanks"), color="success", id=f"{R}-done")
