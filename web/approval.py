"""/approval/<token>: the page an approver's email link opens. The link is the credential, once.

GET only shows the request and a form (mail scanners open links: a visit must not decide); POST records
the decision with the optional comment. A forged, used, settled or expired link gets a page saying so.
"""
from __future__ import annotations

from flask import Blueprint, request

from components.i18n import N_, _, current_locale
from data.approvals import decide
from data.db import read_session, session_scope
from data.errors import NotFound, OknoError
from data.models import Requester, Ticket
from web import signin_page
from web.rate import TOKEN

bp = Blueprint("approval", __name__)
CHOICES = {"approve": "approved", "reject": "rejected"}
DONE = {"approved": N_("approvals.done.approved"), "rejected": N_("approvals.done.rejected")}

PAGE = """
{% if error %}<div class="alert alert-warning" id="approval-error">{{ error }}</div>{% endif %}
{% if done %}<div class="alert alert-success" id="approval-done">{{ done }}</div>{% endif %}
{% if ask %}
<form method="post" id="approval-form">
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <p id="approval-question">{{ question }}</p>
  {% if description %}<p class="small text-muted" style="white-space: pre-wrap">{{ description }}</p>{% endif %}
  <label class="form-label d-block" for="comment">{{ _('approvals.comment') }}</label>
  <textarea class="form-control mb-3" name="comment" id="comment" rows="3" maxlength="2000"></textarea>
  <div class="d-flex gap-2">
    <button class="btn {{ 'btn-success' if chosen != 'reject' else 'btn-outline-success' }} flex-fill" type="submit"
            name="decision" value="approve" id="approval-approve">{{ _('approvals.approve') }}</button>
    <button class="btn {{ 'btn-danger' if chosen == 'reject' else 'btn-outline-danger' }} flex-fill" type="submit"
            name="decision" value="reject" id="approval-reject">{{ _('approvals.reject') }}</button>
  </div>
</form>
{% endif %}
"""


def _page(status: int = 200, **values):
    return signin_page.render(PAGE, title=_("approvals.title"), status=status, width=520, **values)


def _refusal(err: OknoError):
    return _page(404 if isinstance(err, NotFound) else 410, error=err.message(current_locale()))


def _question(s, token: str) -> dict:
    row = decide.row_for_token(s, token)
    ticket = s.get(Ticket, row.ticket_id)
    requester = s.get(Requester, ticket.requester_id) if ticket.requester_id else None
    return {"question": _("approvals.page.question", number=ticket.number, title=ticket.title,
                          requester=requester.name if requester else "—"),
            "description": ticket.description}


@bp.get("/approval/<token>")
def approval_form(token: str):
    if not TOKEN.fullmatch(token):
        return _refusal(NotFound("approvals.error.unknown"))
    try:
        with read_session() as s:
            shown = _question(s, token)
    except OknoError as err:
        return _refusal(err)
    return _page(ask=True, chosen=request.args.get("d"), **shown)


@bp.post("/approval/<token>")
def approval_submit(token: str):
    if not TOKEN.fullmatch(token):
        return _refusal(NotFound("approvals.error.unknown"))
    decision = CHOICES.get(request.form.get("decision") or "")
    try:
        with session_scope() as s:
            decide.decide_with_token(s, token, decision or "", request.form.get("comment"))
    except NotFound as err:
        return _refusal(err)
    except OknoError as err:
        if err.key in ("approvals.error.used", "approvals.error.expired", "approvals.error.closed"):
            return _refusal(err)
        with read_session() as s:
            shown = _question(s, token)
        return _page(400, ask=True, error=err.message(current_locale()), **shown)
    return _page(done=_(DONE[decision]))


def admits_approval_link() -> bool:
    """The link itself is the credential: its pages need no session."""
    return request.path.startswith("/approval/")
