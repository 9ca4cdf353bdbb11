"""Storing files people attach (portal, API, replies) with the size and type limits from config."""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.config import get_config
from data import permissions
from data.errors import NotFound, PermissionDenied, Text, ValidationError
from data.messaging import outbox
from data.models import Attachment, Comment, Outbox, Requester, Ticket, User
from data.tickets import actions as tickets


def _name(raw: str) -> str:
    # Browsers on Windows send full paths; keep only the last part, no control characters.
    name = PurePath(str(raw or "file").replace("\\", "/")).name
    return "".join(ch for ch in name if ch >= " ")[:255] or "file"


def check(files: list[dict], field: str = "attachments") -> list[dict]:
    """Normalise [{"filename", "content" (bytes), "content_type"?, "field"?}] and refuse bad ones.

    Raises ValidationError naming the file and the limit (size in MB, allowed extensions, count).
    """
    cfg = get_config()
    files = files or []
    if len(files) > cfg.max_attachments:
        raise ValidationError("file.too_many", {field: Text("file.too_many", limit=cfg.max_attachments)},
                              limit=cfg.max_attachments)
    out = []
    for item in files:
        name = _name(item.get("filename"))
        content = item.get("content") or b""
        key = item.get("field") or field
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        problem = None
        if ext not in cfg.attachment_types:
            problem = Text("file.type", name=name, types=", ".join(cfg.attachment_types))
        elif not content:
            problem = Text("file.empty", name=name)
        elif len(content) > cfg.max_attachment_bytes:
            problem = Text("file.too_big", name=name, limit=cfg.max_attachment_bytes // (1024 * 1024))
        if problem:
            raise ValidationError(problem.key, {key: problem}, **problem.values)
        ctype = item.get("content_type") or mimetypes.guess_type(name)[0] or "application/octet-stream"
        out.append({"filename": name, "content": content, "content_type": ctype[:120], "field": item.get("field")})
    return out


def store(session: Session, ticket: Ticket, files: list[dict], comment: Comment | None = None,
          actor: User | None = None) -> list[Attachment]:
    """Save already checked files on the ticket (and the comment they came with).

    Channels store a requester's files (no actor); a staff member's files pass the team check."""
    if actor is not None:
        permissions.require_ticket_access(session, actor, ticket, "errors.action.reply_to_tickets")
    rows = []
    for item in files:
        content = item["content"]
        row = Attachment(ticket_id=ticket.id, comment_id=comment.id if comment else None, filename=item["filename"],
                         content_type=item["content_type"], size=len(content),
                         sha256=hashlib.sha256(content).hexdigest(), content=content)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def reply(session: Session, user: User, ticket_id: int, body: str, files: list[dict] | None = None,
          public: bool = True) -> Comment:
    """An agent's reply (or note) with files: the files are stored on the comment, and a public reply's
    delivery carries them, so the requester gets them as files (email attachments, Telegram documents
    and photos) and not only a mention in the text."""
    checked = check(files or [])
    item = tickets.comment(session, user, ticket_id, body, public=public)
    if checked:
        store(session, session.get(Ticket, ticket_id), checked, item, actor=user)
        for row in session.scalars(select(Outbox).where(Outbox.comment_id == item.id, Outbox.state == "queued")):
            outbox.attach(row, checked)
    return item


def get(session: Session, actor: User | Requester | None, attachment_id: int) -> Attachment:
    """A file to download: staff who may read its ticket; a requester only from their own request and never
    one on an internal note. NotFound otherwise (nobody signed in included), so a guessed id tells nothing."""
    item = session.get(Attachment, attachment_id) if actor is not None else None
    if item is None:
        raise NotFound("errors.file_not_found")
    try:
        tickets.get(session, actor, item.ticket_id)  # for a requester: their own request only
    except PermissionDenied:
        raise NotFound("errors.file_not_found") from None
    note = session.get(Comment, item.comment_id) if item.comment_id else None
    if isinstance(actor, Requester) and note is not None and not note.is_public:
        raise NotFound("errors.file_not_found")
    return item
