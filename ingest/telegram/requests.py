"""The bot's door to requests and requesters: the portal's single entry points, used as they are.

`data.intake.submit.submit/validate` (routing, checklist, attachments, fan-out, auto-reply),
`data.intake.requesters.find_or_create_by_telegram/note_locale`, `data.tickets.attachments` and
`data.intake.forms.visible`.
Only what the chat needs on top lives here.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from data.tickets import attachments as files
from data.models import Comment, RequestType, Ticket
from data.intake.forms import visible
from data.intake.requesters import find_or_create_by_telegram, note_locale
from data.intake.submit import submit, validate

__all__ = ["add_attachments", "checklist_items", "find_or_create_by_telegram", "note_locale", "submit", "validate",
           "visible"]


def checklist_items(request_type: RequestType | None) -> list[tuple[int, str, bool]]:
    """(index, text, required_on_submit) for each checklist item (plain strings are never required)."""
    items = []
    for i, item in enumerate((request_type.checklist if request_type else None) or []):
        if isinstance(item, dict):
            items.append((i, str(item.get("text", "")), bool(item.get("required_on_submit"))))
        else:
            items.append((i, str(item), False))
    return items


def add_attachments(session: Session, ticket: Ticket, attachments: list[dict],
                    comment: Comment | None = None) -> None:
    """Files sent with a reply, checked against the same limits as the portal's."""
    if attachments:
        files.store(session, ticket, files.check(attachments), comment)
