"""/rate/<token>: the page an email's rating link opens. Anyone holding the link may answer, once.

GET only shows the question (mail scanners open links: a visit must not rate); POST records the
score and comment. A forged, spent or expired link gets a page saying so, in the reader's language.
"""
from __future__ import annotations

import re

from flask import Blueprint, request

from components.i18n import _, current_locale
from data.csat import rate
from data.db import read_session, session_scope
from data.errors import NotFound, OknoError
from data.models import Ticket
from web import signin_page

bp = Blueprint("rate", __name__)
TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,64}")

PAGE = """
{% if error %}<div class="alert alert-warning" id="rate-error">{{ error }}</div>{% endif %}
{% if done %}<div class="alert alert-success" id="rate-done">{{ done }}</div>{% endif %}
{% if ask %}
<form method="post" id="rate-form">
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <p>{{ question }}</p>
  <div class="mb-1"><div class="btn-group" role="group">
  {% for s in scores %}
    <input type="radio" class="btn-check" name="score" id="score-{{ s }}" value="{{ s }}" {% if s == chosen %}checked{% endif %}>
    <label class="btn btn-outline-primary" for="score-{{ s }}" title="{{ _('csat.score.' ~ s) }}">{{ s }}</label>
  {% endfor %}
  </div></div>
  <p class="small text-muted mb-3">1 — {{ _('csat.score.1') }}, 5 — {{ _('csat.score.5') }}</p>
  <label class="form-label d-block" for="comment">{{ _('csat.comment') }}</label>
  <textarea class="form-control mb-3" name="comment" id="comment" rows="3" maxlength="{{ max_comment }}"></textarea>
  <button class="btn btn-primary w-100" type="submit">{{ _('csat.send') }}</button>
</form>
{% endif %}
"""


def _page(status: int = 200, **values):
    from data import limits
    return signin_page.render(PAGE, title=_("csat.title"), status=status, width=480, scores=(1, 2, 3, 4, 5),
                              max_comment=limits.limit("rating_comment"), **values)


def _refusal(err: OknoError):
    return _page(404 if isinstance(err, NotFound) else 410, error=err.message(current_locale()))


def _question(s, token: str) -> str:
    rating = rate.question_for_token(s, token)
    ticket = s.get(Ticket, rating.ticket_id)
    return _("csat.question.page", number=ticket.number, title=ticket.title)


@bp.get("/rate/<token>")
def rate_form(token: str):
    if not TOKEN.fullmatch(token):
        return _refusal(NotFound("csat.error.unknown"))
    try:
        with read_session() as s:
            question = _question(s, token)
    except OknoError as err:
        return _refusal(err)
    chosen = request.args.get("score", type=int)
    return _page(ask=True, question=question, chosen=chosen)


@bp.post("/rate/<token>")
def rate_submit(token: str):
    if not TOKEN.fullmatch(token):
        return _refusal(NotFound("csat.error.unknown"))
    try:
        with session_scope() as s:
            rate.rate_with_token(s, token, request.form.get("score"), request.form.get("comment"))
    except NotFound as err:
        return _refusal(err)
    except OknoError as err:
        if err.key in ("csat.error.used", "csat.error.expired"):
            return _refusal(err)
        with read_session() as s:
            question = _question(s, token)
        return _page(400, ask=True, question=question, error=err.message(current_locale()))
    return _page(done=_("csat.thanks"))


def admits_rating_link() -> bool:
    """The link itself is the credential: its pages need no session."""
    return request.path.startswith("/rate/")
