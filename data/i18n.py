"""Translations: gettext catalogs in translations/ (Russian, the default, and English).

A message id is a key such as "nav.board"; its text may hold `{name}` placeholders, filled by str.format.
Workers and services call `translate(key, locale, **values)`; pages call `components.i18n._`, which knows
the viewer's locale. A key kept for later (in a tuple or dict) or built at run time (f"status.{kind}") is
marked with `N_` where it is written, so that `pybabel extract` (make translations-extract) finds it.
"""
from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
CATALOGS = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

log = logging.getLogger(__name__)


def N_(key: str) -> str:
    """Mark a message id for extraction without translating it here; it is translated where it is shown."""
    return key


@cache
def catalog(locale: str) -> Translations:
    """The compiled catalog of one locale, loaded on first use (`make translations` compiles it)."""
    mo = CATALOGS / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po = mo.with_suffix(".po")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    # A checkout where the catalogs were not compiled yet (or a .po newer than its .mo): compile in memory
    # rather than show message ids to people.
    log.warning("%s is missing or older than its .po; run `make translations`", mo)
    with po.open("rb") as fh:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(fh, locale=locale, domain=DOMAIN))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _locale(locale: str | None) -> str:
    """No locale means the default (Russian); a locale Okno does not speak gets English."""
    if not locale:
        return DEFAULT_LOCALE
    return locale if locale in LOCALES else "en"


def translate(key: str, locale: str | None = None, /, **values) -> str:
    """The text of `key` in `locale`, placeholders filled from `values`; an unknown key comes back as is."""
    text = catalog(_locale(locale)).gettext(key)
    return text.format(**values) if values else text


def word_form(n: int | float, key: str, locale: str | None = None) -> str:
    """The word `n` needs, from a message whose text lists the forms by `|`: "one|many" in English,
    "one|few|many" in Russian (Babel's plural rules decide which)."""
    locale = _locale(locale)
    forms = translate(key, locale).split("|")
    form = Locale.parse(locale).plural_form(abs(n))
    last = len(forms) - 1
    # Russian "other" is a fraction, which takes the "few" word ("2,5 дня"); English "other" is the plural.
    index = {"one": 0, "few": 1, "other": 1 if len(forms) == 3 else last}.get(form, last)
    return forms[min(index, last)]


def best_locale(accept_language: str | None) -> str:
    """Pick ru or en from an Accept-Language header, by the first supported language listed."""
    for part in (accept_language or "").split(","):
        lang = part.split(";")[0].strip().lower()[:2]
        if lang in LOCALES:
            return lang
    return DEFAULT_LOCALE
