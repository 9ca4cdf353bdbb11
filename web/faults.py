"""The web app's error boundary: no request ends in a bare HTML 500 or fails without a word.

- A Dash callback (every one: pages, components, Dash's own page router) runs inside `guard_callback`
  (the app factory's Dash subclass calls it). What it raises becomes a message in the page's fault alert
  (`FAULT`, in every layout), in the viewer's language: a service's refusal (data.errors) says what was
  refused; a lost database says that nothing was changed; anything else is logged with a short error id
  that the message shows, so a user can quote it and an admin can find the traceback.
- A callback that only read is run once more when its database connection dropped (data.db.retry_reads);
  so is every plain GET route (`retry_get_views`).
- Plain Flask routes: what no blueprint handled answers JSON under /api/ and /_dash-, and a small
  translated page elsewhere. A forged callback request Dash cannot even parse is a 400, not a 500.
"""
from __future__ import annotations

import functools
import logging
import secrets

import dash_bootstrap_components as dbc
from dash._utils import to_json
from dash.exceptions import PreventUpdate
from flask import Flask, jsonify, make_response, render_template_string, request
from werkzeug.exceptions import HTTPException, InternalServerError

from components.i18n import current_locale, error_message
from data import db
from data.errors import Conflict, LimitExceeded, NotFound, OknoError, PermissionDenied
from data.i18n import DEFAULT_LOCALE, LOCALES, best_locale, translate

log = logging.getLogger("okno.faults")

FAULT = "okno-fault"  # the alert where a callback's failure is shown (app.serve_layout puts it on every page)
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed without mistakes


def fault_alert() -> dbc.Alert:
    return dbc.Alert(id=FAULT, is_open=False, dismissable=True, color="danger", className="okno-fault shadow")


def error_ref() -> str:
    """A short id for one failure, e.g. 7F3K2Q: in the message the user sees and in the log line."""
    return "".join(secrets.choice(_REF_ALPHABET) for _n in range(6))


def status_of(err: OknoError) -> int:
    if isinstance(err, PermissionDenied):
        return 403
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, (Conflict, LimitExceeded)):
        return 409
    return 400


def _locale() -> str:
    """The viewer's language without failing: the user's own setting needs the database, which may be
    what just failed; then the cookie or the browser's language."""
    try:
        return current_locale()
    except Exception:  # noqa: BLE001 — the boundary must answer whatever else is broken
        chosen = request.cookies.get("okno_lang")
        return chosen if chosen in LOCALES else best_locale(request.headers.get("Accept-Language")) or DEFAULT_LOCALE


def _(key: str, /, **values) -> str:
    return translate(key, _locale(), **values)


def explain(err: Exception) -> tuple[str, str, int]:
    """(message in the viewer's language, alert colour, HTTP status) for what a request raised.

    An unexpected error is logged here, with its traceback and the id its message shows."""
    if isinstance(err, OknoError):
        try:
            return error_message(err), "warning", status_of(err)
        except Exception:  # noqa: BLE001 — the viewer's language needs the database that may be down
            return err.message(_locale()), "warning", status_of(err)
    if db.unreachable(err):
        log.warning("database unreachable during %s %s: %s", request.method, request.path, err)
        return _("errors.database_unreachable"), "danger", 503
    ref = error_ref()
    body = request.get_json(silent=True) if request.path.startswith("/_dash-") else None
    where = f" ({body.get('output')})" if isinstance(body, dict) else ""  # which callback
    log.error("unexpected error %s during %s %s%s", ref, request.method, request.path, where, exc_info=err)
    return _("errors.fault", ref=ref), "danger", 500


# ---- Dash callbacks ----

def guard_callback(run, callback_context):
    """`run` is Dash's prepared call of one callback (it returns the JSON answer). Reads are retried once
    on a dropped connection; a failure becomes the fault alert's message instead of an HTTP 500."""
    def attempt():
        callback_context.updated_props = {}  # a retried run starts with no side updates of the first one
        return run()
    try:
        return db.retry_reads(attempt)
    except PreventUpdate:
        raise
    except Exception as err:  # noqa: BLE001 — the boundary: every failure becomes a message
        message, color, _status = explain(err)
        return fault_response(message, color)


def fault_response(message: str, color: str) -> str:
    """A callback answer that changes none of the callback's outputs and opens the fault alert."""
    return to_json({"multi": True, "response": {FAULT: {"children": message, "color": color, "is_open": True}}})


# ---- plain Flask routes ----

PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><link rel="stylesheet" href="/assets/vendor/bootstrap.min.css"></head>
<body><main class="container" style="max-width: 560px; margin-top: 12vh">
<h1 class="h4">{{ title }}</h1><p>{{ message }}</p><p><a href="/">{{ home }}</a></p></main></body></html>"""


def answer(err: Exception):
    """What a route answers for an error no blueprint handled."""
    if isinstance(err, InternalServerError) and err.original_exception is not None:
        err = err.original_exception  # what failed, not Flask's wrapper (an error while handling an error)
    if isinstance(err, HTTPException):
        if _wants_json():
            return jsonify(error=err.description or err.name), err.code or 500
        return err  # werkzeug's own short page (404, 405, ...)
    if request.path.startswith("/_dash-update-component") and not isinstance(err, OknoError) \
            and not db.unreachable(err):
        # Callbacks run inside guard_callback, so what reaches here failed before: Dash could not
        # read the request (a forged or truncated body). Not our bug, not worth a traceback in the log.
        log.warning("unreadable callback request from %s: %s: %s", request.remote_addr, type(err).__name__, err)
        return jsonify(error="bad callback request"), 400
    message, _color, status = explain(err)
    if request.path.startswith("/_dash-update-component"):
        return make_response(fault_response(message, "danger"), 200, {"Content-Type": "application/json"})
    if _wants_json():
        return jsonify(error=message), status
    page = render_template_string(PAGE, lang=_locale(), title=_("errors.page_title"), message=message,
                                  home=_("errors.back_home"))
    return make_response(page, status)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/_dash-")) or request.is_json


def retry_get_views(server: Flask) -> None:
    """Every GET route's view runs once more when its database connection dropped (a GET only reads)."""
    for endpoint, view in list(server.view_functions.items()):
        if getattr(view, "_okno_retried", False):
            continue

        @functools.wraps(view)
        def retried(*args, _view=view, **kwargs):
            if request.method in ("GET", "HEAD"):
                return db.retry_reads(lambda: _view(*args, **kwargs))
            return _view(*args, **kwargs)
        retried._okno_retried = True
        server.view_functions[endpoint] = retried


def init(server: Flask) -> None:
    """Register the boundary: the most specific handler wins, so blueprints' own (the API's) and
    PermissionDenied's (web/refusals.py) still answer first."""
    server.register_error_handler(Exception, answer)
    server.register_error_handler(OknoError, answer)
