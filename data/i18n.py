"""The message catalogue for the UI and for messages sent to requesters: English and Russian.

Each part of Okno keeps its keys in its own module under data/messages/ (both languages); use `translate(key, locale, **values)` (workers) or
`components.i18n._` (pages, which know the current user's locale).
"""
from __future__ import annotations

import importlib
import pkgutil

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"


def _catalogue_modules():
    """Every module in data/messages/ holds MESSAGES = {key: (English, Russian)} for one part of Okno."""
    from data import messages
    for info in sorted(pkgutil.iter_modules(messages.__path__), key=lambda m: m.name):
        yield importlib.import_module(f"{messages.__name__}.{info.name}")


MESSAGES: dict[str, tuple[str, str]] = {}
for _module in _catalogue_modules():
    MESSAGES.update(_module.MESSAGES)


def translate(key: str, locale: str | None = None, **values) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if (locale or DEFAULT_LOCALE) == "ru" else pair[0]
    return text.format(**values) if values else text


def best_locale(accept_language: str | None) -> str:
    """Pick ru or en from an Accept-Language header, by the first supported language listed."""
    for part in (accept_language or "").split(","):
        lang = part.split(";")[0].strip().lower()[:2]
        if lang in LOCALES:
            return lang
    return DEFAULT_LOCALE
