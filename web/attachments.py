"""Attachment downloads: staff only (the guard requires a session; attachments.get checks the role)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort
from flask_login import current_user

from data.tickets import attachments
from data.db import read_session
from data.errors import NotFound

bp = Blueprint("attachments", __name__)


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    user = current_user._get_current_object()
    with read_session() as s:
        try:
            item = attachments.get(s, user, attachment_id)
        except NotFound:
            abort(404)
        content = item.content
        name, kind = item.filename, item.content_type or "application/octet-stream"
    # Always a download, never rendered inline: an HTML attachment must not run in our origin.
    return Response(content, mimetype=kind, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store"})
