"""Okno's web app: the Flask server, the auth guard, CSRF, and the multipage Dash app.

`server` is the WSGI app (gunicorn app:server). No state lives in process memory: sessions
are signed cookies, data is in PostgreSQL, so any number of workers and hosts can serve it.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf

from components.navbar import navbar
from data.config import get_config
from web import auth

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
csrf = CSRFProtect()


def create_server() -> Flask:
    cfg = get_config()
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
    auth.init_auth(server)  # before CSRF: an unauthenticated call gets 401, not a CSRF error
    csrf.init_app(server)
    from web import register_routes
    register_routes(server, csrf)

    @server.after_request
    def csrf_cookie(response):
        # dash-renderer sends this cookie back as the X-CSRFToken header on every callback.
        response.set_cookie("_csrf_token", generate_csrf(), samesite="Lax", secure=cfg.secure_cookies)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    return server


def serve_layout():
    """Built per request so the navbar shows what this user's role may open."""
    return html.Div([
        navbar(),
        dbc.Container(dash.page_container, fluid=True, className="okno-page py-3"),
    ])


server = create_server()
app = dash.Dash(
    __name__, server=server, use_pages=True, suppress_callback_exceptions=True, title="Okno",
    update_title=None, serve_locally=True,
    external_stylesheets=[],  # Bootstrap and icons are vendored in assets/vendor (works offline)
)
app.layout = serve_layout

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=get_config().port, debug=False)
