"""Okno's web app: `create_app(config)` builds the Flask server, the auth guard, CSRF and the multipage Dash app.

Importing this module reads no configuration and opens no connection. `app:server` (gunicorn) builds the
app from the environment's configuration the first time it is asked for; `app:create_app()` does the same.
No state lives in process memory: sessions are signed cookies, data is in PostgreSQL, so any number of
workers and hosts can serve it.
"""
from __future__ import annotations

import functools
import gc
import logging
import threading
from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask import Flask, g
from flask_wtf.csrf import CSRFProtect, generate_csrf

from components.navbar import navbar
from components.shortcuts import help_dialog
from data import db
from data.config import ROOT, Config, InsecureConfig, check_secrets, freeze, get_config, thaw
from web import auth, faults

log = logging.getLogger(__name__)
PAGES = ROOT / "pages"


def create_app(config: Config | None = None) -> Flask:
    """A new Flask server with its Dash app (`server.extensions["dash"]`), set up from `config`.

    Without a config, the environment's (get_config()). The database engine is per process: the
    config's database_url becomes the one every session opens, lazily, on first use."""
    cfg = config or get_config()
    # A no-op when the host (pytest, a gunicorn logging config) has already set up logging.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        check_secrets(cfg)  # a default key lets anyone forge an admin's session cookie
    except InsecureConfig as refusal:
        log.critical("%s", refusal)  # gunicorn shows the log, not the exception, when a worker fails to boot
        raise
    db.configure(cfg)
    server = _flask(cfg)
    server.extensions["dash"] = _dash(server)
    faults.retry_get_views(server)  # after Dash added its routes
    _calm_collector()
    return server


def _calm_collector() -> None:
    """Fewer, cheaper garbage collections in a process that serves the app.

    The built app (pages, layouts, validators, catalogs: ~200,000 objects) lives as long as the process,
    and every full collection walked all of it — 200 ms each on a 2-core machine, set off every few board
    or table renders; freezing moves it out of the collector's sight. A render allocates ~100,000
    short-lived dicts: collecting the young generation every 700 allocations walked the same half-built
    layout again and again (the board benchmark: 2.6 s of 14 s CPU in the collector; 0.8 s with both)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


def _flask(cfg: Config) -> Flask:
    server = Flask(__name__)
    server.config.update(
        SECRET_KEY=cfg.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=cfg.max_attachment_bytes * 2 + 1024 * 1024,
    )
    if cfg.proxy_hops > 0:
        # The client address (sign-in and PIN limits) comes from X-Forwarded-For set by that many proxies;
        # with 0 the header is ignored, so a client cannot pick its own address.
        from werkzeug.middleware.proxy_fix import ProxyFix
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=cfg.proxy_hops, x_proto=cfg.proxy_hops,
                                   x_host=cfg.proxy_hops)
    csrf = CSRFProtect()
    auth.init_auth(server)  # before CSRF: an unauthenticated call gets 401, not a CSRF error
    csrf.init_app(server)
    from web import register_routes
    register_routes(server, csrf)

    # One Config per request: a board render asks for the time zone once per card, and each Config()
    # reads ~50 environment variables (a quarter of a 2,000-card render's CPU before this).
    @server.before_request
    def freeze_config():
        g.okno_config_token = freeze()

    @server.teardown_request
    def thaw_config(_exc):
        token = g.pop("okno_config_token", None)
        if token is not None:
            thaw(token)

    @server.after_request
    def csrf_cookie(response):
        # dash-renderer sends this cookie back as the X-CSRFToken header on every callback.
        response.set_cookie("_csrf_token", generate_csrf(), samesite="Lax", secure=cfg.secure_cookies)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    return server


class _Dash(dash.Dash):
    """Dash with Okno's error boundary around every callback, its own page router included (web/faults.py).

    Dash's `on_error` hook would see only what the callback function raises; this also catches Dash's
    own check of what the callback returned, and retries a read cut off by a dropped connection."""

    def _execute_callback(self, func, args, outputs_list, g):
        return functools.partial(faults.guard_callback, super()._execute_callback(func, args, outputs_list, g), g)

    def interpolate_index(self, **kwargs):
        # <html lang="ru|en">: screen readers pick their voice from it, and the page's language is per user.
        from components.i18n import current_locale
        page = super().interpolate_index(**kwargs)
        return page.replace("<html>", f'<html lang="{current_locale()}">', 1)


def _dash(server: Flask) -> dash.Dash:
    app = _Dash(
        __name__, server=server, use_pages=True, pages_folder=str(PAGES), suppress_callback_exceptions=True,
        title="Okno", update_title=None, serve_locally=True,
        external_stylesheets=[],  # Bootstrap and icons are vendored in assets/vendor (works offline)
        # Dash turns async on by itself when asgiref is installed (procrastinate brings it); our
        # callbacks are sync, and async hooks fail under a thread that already runs an event loop.
        use_async=False,
    )
    app.layout = serve_layout
    _take_callbacks(app)
    return app


def serve_layout():
    """Built per request so the navbar shows what this user's role may open."""
    return html.Div([
        navbar(),
        faults.fault_alert(),
        dbc.Container(dash.page_container, fluid=True, className="okno-page py-3"),
        help_dialog(),  # "?" opens it (assets/shortcuts.js)
    ])


# `dash.callback` puts callbacks in one registry per process, and the first app to serve a request
# takes them all. Dash runs the pages again for every app it builds, but a component registers its
# callbacks once, when first imported. So every app built here takes its copy of all callbacks
# registered so far at once: two apps in one process (tests, a benchmark beside a test) both work.
# Dash has no public API for this; tests/test_app_factory.py fails if a Dash upgrade changes it.
_CALLBACKS: dict[str, dict] = {}  # callback id → what the server calls
_SPECS: dict[str, dict] = {}  # callback id → what the browser is told
_SCRIPTS: list[str] = []  # inline clientside functions


def _take_callbacks(app: dash.Dash) -> None:
    from dash import _callback as registry

    _CALLBACKS.update(registry.GLOBAL_CALLBACK_MAP)
    _SPECS.update((spec["output"], spec) for spec in registry.GLOBAL_CALLBACK_LIST)
    _SCRIPTS.extend(s for s in registry.GLOBAL_INLINE_SCRIPTS if s not in _SCRIPTS)
    registry.GLOBAL_CALLBACK_MAP.clear()
    registry.GLOBAL_CALLBACK_LIST.clear()
    registry.GLOBAL_INLINE_SCRIPTS.clear()
    app.callback_map.update({k: dict(v) for k, v in _CALLBACKS.items()})
    app._callback_list.extend(dict(spec) for spec in _SPECS.values())
    app._inline_scripts.extend(_SCRIPTS)


_built: Flask | None = None
_building = threading.Lock()


def __getattr__(name: str):
    """`app.server`, built from the environment's configuration when first asked for, not at import."""
    global _built
    if name != "server":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _building:
        if _built is None:
            try:
                _built = create_app()
            except AttributeError as e:  # would read as "no attribute 'server'"
                raise RuntimeError(f"building the app failed: {e}") from e
    return _built


if __name__ == "__main__":
    config = get_config()
    create_app(config).extensions["dash"].run(host="127.0.0.1", port=config.port, debug=False)
