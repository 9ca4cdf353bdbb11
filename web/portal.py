"""The requester portal's sign-in (email + one-time PIN), its session, and the access hook.

A requester session is separate from staff login: `session["portal_requester_id"]`. The hook lets it
load /portal pages, the Dash infrastructure routes, and only the portal's own callbacks (component ids
starting with "portal-", or the page-content callback for a /portal path). Every portal callback loads
the requester again through `requester_or_none()` and the data layer checks ownership.
"""
from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, Response, abort, redirect, request, session as cookie

from components.i18n import N_, _, current_locale
from data.intake import pins, requesters
from data.tickets import attachments
from data.db import read_session, session_scope
from data.errors import LimitExceeded, NotFound, ValidationError
from data.models import Requester

from web import signin_page

log = logging.getLogger("okno.portal")
bp = Blueprint("portal_auth", __name__)
KEY = "portal_requester_id"
PUBLIC = ("/portal/login", "/portal/verify")
DASH_INFRA = ("/_dash-layout", "/_dash-dependencies", "/_reload-hash")
PAGE_OUTPUTS = ("_pages_content", "_pages_store")
PAGE_LOCATION = "_pages_location"
PAGE_INPUTS = ("pathname", "search")  # Dash's page router: update(pathname_, search_)
PORTAL_PATH = re.compile(r"/portal(/[\w\-]+)*/?")  # no "..", no other page


def requester_id() -> int | None:
    value = cookie.get(KEY)
    return value if isinstance(value, int) else None


def requester_or_none(s) -> Requester | None:
    """The signed-in requester, loaded in the caller's session (None when signed out or deleted)."""
    rid = requester_id()
    try:
        return requesters.get(s, rid) if rid else None
    except NotFound:
        return None


def _ids(body: dict) -> list:
    """The output ids of the callback Dash will run. Dash picks the callback by the `output` string
    (e.g. "..a.children...b.value.." or '{"key":["ALL"],"type":"portal-error"}.children'), not by the
    `outputs` list, so that string is what is checked."""
    output = body.get("output")
    if not isinstance(output, str) or not output:
        return []
    parts = output[2:-2].split("...") if output.startswith("..") and output.endswith("..") else [output]
    ids = []
    for part in parts:
        cid = part.rsplit(".", 1)[0]
        if cid.startswith("{"):
            try:
                cid = json.loads(cid)
            except ValueError:
                return []
        ids.append(cid)
    return ids


def _portal_path(value) -> bool:
    return isinstance(value, str) and bool(PORTAL_PATH.fullmatch(value))


def _page_request(body: dict) -> bool:
    """The page-content callback for a /portal path, judged on the whole input.

    Dash hands the callback its inputs by POSITION (pathname, search), whatever ids the body names, so
    finding one `_pages_location.pathname` entry that says /portal proves nothing: a forged body could
    put "/admin/users" first and a /portal entry after it. Every entry must be the one expected here."""
    inputs, state = body.get("inputs"), body.get("state") or []
    if not isinstance(inputs, list) or len(inputs) != len(PAGE_INPUTS) or state != []:
        return False
    for entry, prop in zip(inputs, PAGE_INPUTS):
        if not isinstance(entry, dict) or entry.get("id") != PAGE_LOCATION or entry.get("property") != prop:
            return False
    search = inputs[1].get("value")
    return _portal_path(inputs[0].get("value")) and (search is None or isinstance(search, str))


def portal_callback(body) -> bool:
    """Only callbacks that write into portal components (or render a /portal page); every output counts."""
    if not isinstance(body, dict):
        return False
    ids = _ids(body)
    if not ids:
        return False
    for cid in ids:
        if isinstance(cid, dict):
            if not str(cid.get("type", "")).startswith("portal-"):
                return False
        elif cid in PAGE_OUTPUTS:
            if not _page_request(body):
                return False
        elif not str(cid).startswith("portal-"):
            return False
    return True


def portal_access() -> bool:
    path = request.path
    if path in PUBLIC:
        return True
    if requester_id() is None:
        return False
    if path == "/portal" or path.startswith("/portal/") or path in DASH_INFRA:
        return True
    if path == "/_dash-update-component" and request.method == "POST":
        allowed = portal_callback(request.get_json(silent=True))
        if not allowed:
            log.warning("requester %s refused a non-portal callback", requester_id())
        return allowed
    return False


# The page's template calls _() itself; its message ids, for extraction:
_PAGE_TEXTS = (N_("portal.email"), N_("portal.send_code"), N_("portal.pin"), N_("portal.sign_in"),
               N_("portal.other_address"), N_("portal.staff"))
PAGE = """  {% if error %}<div class="alert alert-danger" role="alert" id="portal-login-error">{{ error }}</div>{% endif %}
  {% if info %}<div class="alert alert-info" role="status" id="portal-login-info">{{ info }}</div>{% endif %}
  {% if step == 'email' %}
  <form method="post" action="/portal/login" class="card card-body shadow-sm">
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <label class="form-label" for="portal-email">{{ _('portal.email') }}</label>
    <input class="form-control mb-3" type="email" id="portal-email" name="email" value="{{ email }}" required autofocus autocomplete="email">
    <button class="btn btn-primary w-100" type="submit" id="portal-send">{{ _('portal.send_code') }}</button>
  </form>
  {% else %}
  <form method="post" action="/portal/verify" class="card card-body shadow-sm">
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <input type="hidden" name="email" value="{{ email }}">
    <label class="form-label" for="portal-pin">{{ _('portal.pin') }}</label>
    <input class="form-control mb-3 text-center fs-4" id="portal-pin" name="pin" inputmode="numeric" pattern="[0-9 ]{6,7}"
           maxlength="7" required autofocus autocomplete="one-time-code">
    <button class="btn btn-primary w-100" type="submit" id="portal-verify">{{ _('portal.sign_in') }}</button>
    <a class="small mt-2 text-center" href="/portal/login">{{ _('portal.other_address') }}</a>
  </form>
  {% endif %}
  <p class="text-center mt-3 small"><a href="/login">{{ _('portal.staff') }}</a> ·
    <a href="/lang/ru?next=/portal/login">Русский</a> · <a href="/lang/en?next=/portal/login">English</a></p>
"""


def _page(step="email", email="", error=None, info=None, status=200):
    return signin_page.render(PAGE, title=_("portal.title"), intro=_("portal.login_intro"), width=440, status=status,
                              step=step, email=email, error=error, info=info)


def _ip() -> str | None:
    return request.remote_addr  # the client behind OKNO_PROXY_HOPS proxies (ProxyFix, app.py)


@bp.get("/portal/login")
def login_form():
    if requester_id() is not None:
        return redirect("/portal")
    return _page()


@bp.post("/portal/login")
def send_code():
    email = request.form.get("email", "").strip()
    try:
        with session_scope() as s:
            pins.request_pin(s, email, _ip(), locale=current_locale())
    except ValidationError:
        return _page(email=email, error=_("portal.bad_email"), status=400)
    except LimitExceeded:
        return _page(email=email, error=_("portal.too_many_sends"), status=429)
    # The same words whether or not the address is known to us.
    return _page("pin", email=email, info=_("portal.code_sent", email=email))


@bp.post("/portal/verify")
def verify_code():
    email = request.form.get("email", "").strip()
    with session_scope() as s:  # commits the attempt counter even when the code is wrong
        check = pins.verify(s, email, request.form.get("pin", ""), ip=_ip())
        rid = check.requester.id if check.ok else None
    if not check.ok:
        key = N_("portal.locked") if check.reason == "locked" else N_("portal.wrong_code")
        return _page("pin" if check.reason != "locked" else "email", email=email, error=_(key), status=400)
    cookie.clear()  # a fresh session: no staff login or older requester rides along
    cookie[KEY] = rid
    cookie.permanent = True
    log.info("requester %s signed in to the portal", rid)
    return redirect("/portal")


@bp.route("/portal/logout", methods=["GET", "POST"])
def logout():
    cookie.pop(KEY, None)
    return redirect("/portal/login")


@bp.get("/portal/file/<int:attachment_id>")
def download(attachment_id: int):
    """A file on the requester's own request (not one attached to an internal note)."""
    with read_session() as s:
        try:
            row = attachments.get(s, requester_or_none(s), attachment_id)
        except NotFound:
            abort(404)
        data, name, ctype = row.content, row.filename, row.content_type
    quoted = json.dumps(name, ensure_ascii=True)[1:-1]
    return Response(data, mimetype=ctype, headers={
        "Content-Disposition": f"attachment; filename=\"{quoted}\"", "X-Content-Type-Options": "nosniff"})
