"""Translation for pages: the current user's language, else the browser's."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from data.errors import OknoError, ValidationError
from data.i18n import DEFAULT_LOCALE, LOCALES, N_, best_locale, translate

__all__ = ["N_", "_", "current_locale", "error_message", "field_messages"]


def current_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "locale", None):
        return user.locale
    chosen = request.cookies.get("okno_lang")
    if chosen in LOCALES:
        return chosen
    return best_locale(request.headers.get("Accept-Language"))


def _(key: str, /, **values) -> str:
    return translate(key, current_locale(), **values)


def error_message(err: OknoError) -> str:
    """What a service refused, in the viewer's language."""
    return err.message(current_locale())


def field_messages(err: OknoError) -> dict[str, str]:
    """A ValidationError's message per field, in the viewer's language ({} for other errors)."""
    return err.field_messages(current_locale()) if isinstance(err, ValidationError) else {}
