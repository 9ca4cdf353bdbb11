"""How long a text people type may be: the limit a service checks (configurable, data/config.py) and the
database's own limit behind it (CHECK constraints and column widths, migration integrity_0001).

A service calls `check(value, kind, field)` and gets a ValidationError naming the field and the limit, in
the reader's language; the database refuses anything longer than DB_MAX whatever the code does, so a
configured limit above it is lowered to it. Channel adapters that must never refuse a message (email)
`clip()` instead: a request is never lost for being long.
"""
from __future__ import annotations

from babel import Locale

from data.config import get_config
from data.errors import Text, ValidationError
from data.i18n import N_, _locale, translate

# The schema's limits in characters (equal to or above every configured limit): integrity_0001's CHECKs.
DB_MAX = {
    "title": 1000,            # tickets.title
    "text": 1_000_000,        # descriptions, replies, notes, block reasons, templates
    "checklist_item": 4000,   # checklist_items.text
    "field": 100_000,         # one value of a request form (the whole form: FIELDS_DB_MAX)
    "name": 120,              # names of boards, columns, lanes, teams, services, request types
    "rating_comment": 4000,   # ratings.comment (migration csat_0001)
}
HTML_DB_MAX = 2_000_000       # sanitised HTML of an email: over it only the text is kept
FIELDS_DB_MAX = 10_000_000    # tickets.fields as JSON text

# What a field is called in "{what} is too long": the message ids, for extraction.
FIELD_NAMES = {
    "title": N_("limits.field.title"), "description": N_("limits.field.description"),
    "body": N_("limits.field.body"), "reply": N_("limits.field.body"), "text": N_("limits.field.checklist_item"),
    "reason": N_("limits.field.reason"), "name": N_("limits.field.name"),
    "requester_status": N_("limits.field.requester_status"), "auto_reply_template": N_("limits.field.auto_reply"),
    "checklist": N_("limits.field.checklist_item"), "value": N_("limits.field.value"),
    "comment": N_("limits.field.rating_comment"),
}
ANY_TEXT = N_("limits.field.text")


def limit(kind: str) -> int:
    """The configured limit for this kind of text, never above the database's."""
    return min(max(getattr(get_config(), f"max_{kind}_chars"), 1), DB_MAX[kind])


class Characters(Text):
    """"N characters" with the plural form the reader's language needs after "at most"."""

    def __init__(self, n: int):
        super().__init__(CHARACTERS[False], n=n)

    def message(self, locale: str | None = None) -> str:
        locale = _locale(locale)
        form = Locale.parse(locale).plural_form(self.values["n"])  # one / few / many / other
        number = f"{self.values['n']:,}".replace(",", "\u00a0" if locale == "ru" else ",")
        return translate(CHARACTERS[form == "one"], locale, n=number)


CHARACTERS = {True: N_("limits.chars.one"), False: N_("limits.chars.many")}


def too_long(field: str, n: int, what: Text | None = None) -> ValidationError:
    """The refusal: `field` is the form's key for it, `what` its name (default: FIELD_NAMES)."""
    what = what or Text(FIELD_NAMES.get(field, ANY_TEXT))
    return ValidationError("errors.too_long", {field: Text("errors.field.at_most", limit=Characters(n))},
                           what=what, limit=Characters(n))


def check(value: str | None, kind: str, field: str, what: Text | None = None) -> str:
    """`value` as it is, or ValidationError("<field> is too long: at most N characters")."""
    n = limit(kind)
    if value is not None and len(value) > n:
        raise too_long(field, n, what)
    return value


def clip(value: str | None, kind: str) -> str | None:
    """`value` cut to the limit (channels that must not refuse a message); "…" marks the cut."""
    n = limit(kind)
    if value is None or len(value) <= n:
        return value
    return value[:n - 1] + "…"


def html(value: str | None) -> str | None:
    """Sanitised HTML kept only when the database holds it; the text version always is."""
    return value if value is None or len(value) <= HTML_DB_MAX else None
