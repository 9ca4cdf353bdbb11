"""Staff sign-in: the login page, logout, the language switch, and the guard on every route."""
from __future__ import annotations

import logging
from typing import Callable
from urllib.parse import urlparse

from flask import Blueprint, Flask, jsonify, redirect, request, session
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from components.i18n import N_, _, current_locale
from data import audit
from data.ops import health
from data.identity import accounts as auth
from data.db import read_session, retry_reads, session_scope
from data.errors import ValidationError
from data.models import User

from web import signin_page

log = logging.getLogger("okno.auth")
bp = Blueprint("auth", __name__)
login_manager = LoginManager()

# Paths anyone may fetch: the login page itself and static files that hold no data.
PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico", "/lang/", "/healthz", "/readyz")
# Where each role starts its day after signing in.
LANDING = {"agent": "/board", "manager": "/board", "admin": "/", "analyst": "/", "director": "/weekly"}
# Other parts (the requester portal, the API) register checks that admit their own principals.
ACCESS_HOOKS: list[Callable[[], bool]] = []
# (path prefix, login page): visitors without a session go to that part's own login (e.g. the portal's).
LOGIN_REDIRECTS: list[tuple[str, str]] = []


# The session cookie carries the user's session_version at sign-in; logout and password change bump it,
# so every cookie issued before (a stolen one included) is refused from then on.
SESSION_VERSION = "okno_sv"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # Every request reads its user first: a connection cut under it is read again (web/faults.py).
    return retry_reads(lambda: _load_user(user_id))


def _load_user(user_id: str) -> User | None:
    with read_session() as s:
        user = auth.active_user(s, user_id)
        if user is not None and session.get(SESSION_VERSION) == user.session_version:
            s.expunge(user)  # used for the whole request, after this session ends
            return user
    return None


def _start_session(user: User) -> None:
    session.clear()  # nothing from before the sign-in carries over (session fixation)
    login_user(user)
    session[SESSION_VERSION] = user.session_version


def guard():
    """Runs before every request: no session, no data — Dash callbacks included."""
    path = request.path
    if path.startswith(PUBLIC_PREFIXES) or current_user.is_authenticated:
        return None
    if any(hook() for hook in ACCESS_HOOKS):
        return None
    if path.startswith(("/_dash-", "/api/")) or request.method != "GET":
        log.warning("unauthenticated %s %s from %s refused", request.method, path, request.remote_addr)
        return jsonify(error="authentication required"), 401
    for prefix, login_page in LOGIN_REDIRECTS:
        if path == prefix or path.startswith(prefix + "/"):
            return redirect(login_page)
    return redirect(f"/login?next={path}")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the login page can't be used as an open redirect."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


# The form's template calls _() itself; its message ids, for extraction:
_FORM_TEXTS = (N_("login.email"), N_("login.password"), N_("login.submit"), N_("login.portal"))
LOGIN_FORM = """  {% if error %}<div class="alert alert-danger" role="alert" id="login-error">{{ error }}</div>{% endif %}
  <form method="post" action="/login" class="card card-body shadow-sm">
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <input type="hidden" name="next" value="{{ next }}">
    <label class="form-label" for="email">{{ _('login.email') }}</label>
    <input class="form-control mb-3" type="text" id="email" name="email" value="{{ email }}" required autofocus autocomplete="username">
    <label class="form-label" for="password">{{ _('login.password') }}</label>
    <input class="form-control mb-3" type="password" id="password" name="password" required autocomplete="current-password">
    <button class="btn btn-primary w-100" type="submit">{{ _('login.submit') }}</button>
  </form>
  <p class="text-center mt-3 small"><a href="/portal">{{ _('login.portal') }}</a> ·
    <a href="/lang/ru?next=/login">Русский</a> · <a href="/lang/en?next=/login">English</a></p>
"""


def _login_page(error: str | None = None, email: str = "", status: int = 200):
    return signin_page.render(LOGIN_FORM, title=_("login.title"), status=status, error=error, email=email,
                              next=_safe_next(request.values.get("next")))


@bp.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return _login_page()


@bp.post("/login")
def login_submit():
    email = request.form.get("email", "")
    with session_scope() as s:  # committed whatever the outcome: the failure count must stay
        result = auth.sign_in(s, email, request.form.get("password", ""), request.remote_addr)
        user = result.user
        # The audit log: a sign-in, or a failed (or throttled) one under the email that was tried.
        audit.record(s, user or email[:254], "sign_in" if user else "sign_in.failed",
                     user or ("users", None, email[:254]), address=request.remote_addr)
        if user is not None:
            s.expunge(user)
    if result.wait is not None:
        text = _("login.locked") if result.wait.locked else _("login.wait", seconds=result.wait.seconds)
        response = _login_page(text, email=email, status=429)
        response.headers["Retry-After"] = str(result.wait.seconds)
        return response
    if user is None:
        return _login_page(_("login.failed"), email=email, status=401)
    _start_session(user)
    log.info("user %s signed in from %s", user.id, request.remote_addr)
    target = _safe_next(request.form.get("next"))
    return redirect(LANDING.get(user.role, "/") if target == "/" else target)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if current_user.is_authenticated:
        with session_scope() as s:
            user = s.get(User, current_user.id)
            auth.end_sessions(s, user)
            audit.record(s, user, "sign_out", user, address=request.remote_addr)
    logout_user()
    session.clear()
    return redirect("/login")


_PASSWORD_TEXTS = (N_("password.current"), N_("password.new"), N_("password.submit"), N_("password.back"),
                   N_("password.rules"))
PASSWORD_FORM = """  {% if error %}<div class="alert alert-danger" role="alert" id="password-error">{{ error }}</div>{% endif %}
  <form method="post" action="/account/password" class="card card-body shadow-sm">
    <input type="hidden" name="csrf_token" value="{{ csrf }}">
    <label class="form-label" for="current">{{ _('password.current') }}</label>
    <input class="form-control mb-3" type="password" id="current" name="current" required autocomplete="current-password">
    <label class="form-label" for="new">{{ _('password.new') }}</label>
    <input class="form-control mb-1" type="password" id="new" name="new" required minlength="10" autocomplete="new-password">
    <p class="small text-muted mb-3">{{ _('password.rules') }}</p>
    <button class="btn btn-primary w-100" type="submit">{{ _('password.submit') }}</button>
  </form>
  <p class="text-center mt-3 small"><a href="/">{{ _('password.back') }}</a></p>
"""


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A staff member changes their own password; their other sessions end, this one goes on."""
    error = None
    if request.method == "POST":
        try:
            with session_scope() as s:
                user = s.get(User, current_user.id)
                auth.change_own_password(s, user, request.form.get("current", ""), request.form.get("new", ""))
                version = user.session_version
            session[SESSION_VERSION] = version
            log.info("user %s changed their password", current_user.id)
            return redirect(LANDING.get(current_user.role, "/"))
        except ValidationError as err:
            error = err.message(current_locale())
    return signin_page.render(PASSWORD_FORM, title=_("password.title"), error=error,
                              status=400 if error else 200)


@bp.get("/lang/<locale>")
def set_language(locale: str):
    """Remember the chosen language (on the account for staff, in a cookie for everyone)."""
    if locale not in ("ru", "en"):
        return redirect("/")
    if current_user.is_authenticated:
        with session_scope() as s:
            auth.set_locale(s, auth.active_user(s, current_user.id), locale)
    response = redirect(_safe_next(request.args.get("next") or request.referrer and urlparse(request.referrer).path))
    response.set_cookie("okno_lang", locale, max_age=3600 * 24 * 365, samesite="Lax")
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (the database is /readyz's business)."""
    return {"ok": True}


@bp.get("/readyz")
def readyz():
    """Readiness for load balancers: database reachable, migrations at head, job queue present; 503 if not."""
    result = health.readiness()
    return result, 200 if result["ready"] else 503


def csrf_failed(err):
    log.warning("CSRF check failed on %s %s from %s: %s", request.method, request.path, request.remote_addr,
                err.description)
    if request.path == "/login":
        return _login_page(_("login.csrf"), status=400)
    return jsonify(error="CSRF check failed; reload the page"), 403


def remember_address():
    """Audit rows written while serving this request name the client's address."""
    audit.client_address.set(request.remote_addr)


def init_auth(server: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    login_manager.init_app(server)
    server.register_blueprint(bp)
    server.before_request(guard)
    server.before_request(remember_address)
    server.register_error_handler(CSRFError, csrf_failed)
