"""The frame shared by the two sign-in pages (staff /login, requester /portal/login): head, logo, title."""
from __future__ import annotations

from flask import make_response, render_template_string
from flask_wtf.csrf import generate_csrf

from components.i18n import _, current_locale

HEAD = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css"><link rel="stylesheet" href="/assets/okno.css"></head>
<body class="okno-login">
<main class="container" style="max-width: {{ width }}px; margin-top: 12vh">
  <div class="text-center mb-4"><span class="okno-logo">◰</span><h1 class="h4 mt-2">{{ title }}</h1>
  {% if intro %}<p class="text-muted small">{{ intro }}</p>{% endif %}</div>
"""
FOOT = "</main></body></html>"


def render(body: str, *, title: str, status: int = 200, width: int = 420, intro: str | None = None, **values):
    """A sign-in page: `body` is the Jinja form between the title and the end of the page."""
    html = render_template_string(HEAD + body + FOOT, _=_, lang=current_locale(), title=title, width=width,
                                  intro=intro, csrf=generate_csrf(), **values)
    return make_response(html, status)
