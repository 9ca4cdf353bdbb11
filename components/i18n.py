"""Translation for pages: the current user's language, else the browser's."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import has_request_context, request
from flask_login import current_user

from data import audit
from data.errors import OknoError, PermissionDenied, ValidationError
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
    """What a service refused, in the viewer's language. A permission refusal is also written to the
    audit log here, where every page and route turns one into a message."""
    if isinstance(err, PermissionDenied) and has_request_context():
        _audit_refusal(err)
    return err.message(current_locale())


def _audit_refusal(err: PermissionDenied) -> None:
    user = current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else None
    where = f"{request.method} {request.path}"
    if request.path.startswith("/_dash-") and request.referrer:  # a Dash callback: name the page it came from
        where += " ← " + urlparse(request.referrer).path
    audit.record_refusal(user, str(err), where, request.remote_addr)


def field_messages(err: OknoError) -> dict[str, str]:
    """A ValidationError's message per field, in the viewer's language ({} for other errors)."""
    return err.field_messages(current_locale()) if isinstance(err, ValidationError) else {}
