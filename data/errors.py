"""Errors raised by service functions; the UI and the channels turn them into messages.

An error carries a message id and its values, not a text: `NotFound("errors.ticket_number_not_found", number=7)`.
Where it is shown, `err.message(locale)` gives the text in the viewer's language; `str(err)` is the
English text, for logs and the command line. The first argument of each class is extracted as a msgid.
"""
from __future__ import annotations

from data.i18n import translate


class Text:
    """A message id with its values, translated when shown: a ValidationError's per-field messages."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values):
        self.key, self.values = key, values

    def message(self, locale: str | None = None) -> str:
        return translate(self.key, locale, **_values(self.values, locale))

    def __str__(self) -> str:
        return self.message("en")

    def __repr__(self) -> str:
        return f"Text({self.key!r}, **{self.values!r})"


def render(text: Text | str, locale: str | None) -> str:
    """A message for `locale`: a Text is translated; a plain string is a message id (or text already made)."""
    return text.message(locale) if isinstance(text, Text) else translate(text, locale)


def _values(values: dict, locale: str | None) -> dict:
    """Values that are messages themselves (a Text, or a list of them: "; "-joined) in `locale` too."""
    out = {}
    for name, value in values.items():
        if isinstance(value, Text):
            value = value.message(locale)
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Text) for v in value):
            value = "; ".join(render(v, locale) for v in value)
        out[name] = value
    return out


class OknoError(Exception):
    """Base class: `err.message(locale)` is a message a user can act on."""

    def __init__(self, key: str, /, **values):
        super().__init__(key)
        self.key, self.values = key, values

    def message(self, locale: str | None = None) -> str:
        return translate(self.key, locale, **_values(self.values, locale))

    def __str__(self) -> str:
        return self.message("en")


class NotFound(OknoError):
    pass


class PermissionDenied(OknoError):
    pass


class Conflict(OknoError):
    """The ticket changed since the caller read it (optimistic locking)."""

    def __init__(self, key: str, changed_by: str | None = None, /, **values):
        super().__init__(key, **values)
        self.changed_by = changed_by


class LimitExceeded(OknoError):
    """A hard WIP limit refused the move."""


class ValidationError(OknoError):
    """Bad input. `fields` maps a field key to the message shown next to it: a message id or a Text.

    `err.fields` gives those messages in English (logs, tests); `err.field_messages(locale)` in `locale`.
    """

    def __init__(self, key: str, fields: dict[str, Text | str] | None = None, /, **values):
        super().__init__(key, **values)
        self.field_texts: dict[str, Text | str] = dict(fields or {})

    def field_messages(self, locale: str | None = None) -> dict[str, str]:
        return {field: render(text, locale) for field, text in self.field_texts.items()}

    @property
    def fields(self) -> dict[str, str]:
        return self.field_messages("en")
