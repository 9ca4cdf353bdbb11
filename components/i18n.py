"""Translation for pages: the current user's language, else the browser's."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from data.i18n import best_locale, translate


def current_locale() -> str:
    if not has_request_context():
        return "ru"
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "locale", None):
        return user.locale
    chosen = request.cookies.get("okno_lang")
    if chosen in ("ru", "en"):
        return chosen
    return best_locale(request.headers.get("Accept-Language"))


def _(key: str, **values) -> str:
    return translate(key, current_locale(), **values)
