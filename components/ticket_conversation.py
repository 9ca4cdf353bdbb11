"""The card's conversation: the comments with the files that came with each, and the reply form.

Ids start with "tk-" like the rest of the card (components/ticket_detail.py); the reply and note
callbacks in pages/ticket.py add a new comment with `comment_item` instead of redrawing the card.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
import nh3
from dash import html

from components import kb_picker
from components.i18n import N_, _
from components.portal_ui import upload_box
from data.config import get_config

T = "tk"
DELIVERY = {"queued": "text-bg-secondary", "sent": "text-bg-success", "failed": "text-bg-danger"}
# Shown as _(f"ticket.delivery_{state}"): the message ids, for extraction.
DELIVERY_LABELS = {"queued": N_("ticket.delivery_queued"), "sent": N_("ticket.delivery_sent"),
                   "failed": N_("ticket.delivery_failed")}


def when(value, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


def file_link(f: dict):
    return html.A([html.I(className="bi bi-paperclip me-1"), f"{f['filename']} ({f['size'] // 1024 + 1} KB)"],
                  href=f"/attachments/{f['id']}", className="me-3 okno-comment-file")


def comment_item(c: dict, tz, can_edit: bool):
    """One comment: author, time, internal/delivery badges, the text, then its files."""
    badges = [html.Span(_("ticket.internal"), className="badge text-bg-warning ms-1") if not c["public"] else None,
              html.Span(_(f"ticket.delivery_{c['delivery']}"), className=f"badge {DELIVERY[c['delivery']]} ms-1",
                        title=c["error"] or "", **{"data-delivery": c["delivery"]})
              if c["delivery"] in DELIVERY else
              html.Span(_("ticket.delivery_none"), className="badge text-bg-light ms-1", **{"data-delivery": "none"})
              if c["public"] and not c["from_requester"] and not c["system"] else None,
              kb_picker.to_article(c) if can_edit else None]
    body = html.Iframe(srcDoc=nh3.clean(c["body_html"]), sandbox="", className="okno-description-html") \
        if c["body_html"] else html.Div(c["body"], className="okno-comment-body")
    files = html.Div([file_link(f) for f in c.get("files") or ()], className="small mt-1 okno-comment-files") \
        if c.get("files") else None
    classes = "okno-comment" + (" okno-note-internal" if not c["public"] else
                                " okno-from-requester" if c["from_requester"] else "")
    return html.Div([html.Div([html.Strong(c["author"]), html.Small(f" · {when(c['at'], tz)}", className="text-muted"),
                               *badges]), body, files], className=classes, **{"data-comment": c["id"]})


def comments(items: list[dict], tz, can_edit: bool) -> list:
    return [comment_item(c, tz, can_edit) for c in items] or \
        [html.Div(_("ticket.no_comments"), className="text-muted", id=f"{T}-no-comments")]


def reply_form(templates, can_edit: bool):
    """Templates, the knowledge-base picker, the text, the files (limits from the settings) and the buttons."""
    cfg = get_config()
    return html.Div([
        html.Label(_("ticket.template"), htmlFor=f"{T}-template", className="visually-hidden"),
        dbc.Select(id=f"{T}-template", placeholder=_("ticket.template"), size="sm", className="mb-1",
                   options=[{"value": tp.id, "label": tp.name} for tp in templates],
                   style={} if templates else {"display": "none"}),
        kb_picker.picker(),
        dbc.Textarea(id=f"{T}-reply", rows=3, placeholder=_("ticket.reply_placeholder")),
        # A refused file is named here, right above the box it was dropped on.
        html.Div(id=f"{T}-reply-files-error", className="text-danger small mt-1", role="alert"),
        # Files go with the reply: by email as attachments, to Telegram as photos and documents.
        upload_box(f"{T}-reply-files", _("ticket.reply_files")),
        html.Div(_("card.files_limits", count=cfg.max_attachments, mb=cfg.max_attachment_bytes // (1024 * 1024)),
                 className="small text-muted"),
        html.Div(id=f"{T}-reply-file-names", className="small text-muted"),
        html.Div([dbc.Button([html.I(className="bi bi-send me-1"), _("ticket.send_reply")], id=f"{T}-send",
                             color="primary", size="sm", className="me-2"),
                  dbc.Button([html.I(className="bi bi-sticky me-1"), _("ticket.add_note")], id=f"{T}-note",
                             color="outline-secondary", size="sm")], className="mt-1"),
    ], className="mt-2", style={} if can_edit else {"display": "none"})  # hidden, not absent: callbacks need it


def conversation(items: list[dict], templates, tz, can_edit: bool):
    return html.Div([html.Div(comments(items, tz, can_edit), id=f"{T}-comments"), reply_form(templates, can_edit)])
