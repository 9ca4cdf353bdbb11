"""Errors raised by service functions; the UI and the channels turn them into messages."""
from __future__ import annotations


class OknoError(Exception):
    """Base class: `str(err)` is a message a user can act on."""


class NotFound(OknoError):
    pass


class PermissionDenied(OknoError):
    pass


class Conflict(OknoError):
    """The ticket changed since the caller read it (optimistic locking)."""

    def __init__(self, message: str, changed_by: str | None = None):
        super().__init__(message)
        self.changed_by = changed_by


class LimitExceeded(OknoError):
    """A hard WIP limit refused the move."""


class ValidationError(OknoError):
    """Bad input. `fields` maps a field key to the message shown next to it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}
