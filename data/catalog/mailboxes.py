"""Configuring the email channel's mailboxes (admin page and `python -m ingest email add-mailbox`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import audit
from data import permissions
from data.db import require_row
from data.errors import NotFound, Text, ValidationError
from data.catalog.secrets import describe, seal
from data.models import AFTER_PROCESSING, MAILBOX_KINDS, Mailbox, Service, User

EDITABLE = ("name", "kind", "address", "aliases", "service_id", "host", "port", "use_ssl", "username", "auth_type",
            "folder", "after_processing", "move_to", "smtp_host", "smtp_port", "smtp_ssl", "enabled", "reopen_days",
            "plus_addressing")


def _require_admin(actor: User | None) -> None:
    if actor is not None:  # None: the command line, run by whoever runs the server
        permissions.require_role(actor, ("admin",), "errors.action.configure_mailboxes")


def _clean(session: Session, values: dict) -> dict:
    errors: dict[str, Text] = {}
    out = {k: values[k] for k in EDITABLE if k in values}
    for key in ("name", "address", "host", "username", "folder", "move_to", "smtp_host", "auth_type"):
        if key in out:
            out[key] = (out[key] or "").strip() or None
    if out.get("address"):
        out["address"] = out["address"].lower()
    if out.get("smtp_host") and ":" in out["smtp_host"]:  # the form takes "host:port"
        out["smtp_host"], _sep, port = out["smtp_host"].rpartition(":")
        out["smtp_port"] = port
    if "address" in out and (not out["address"] or "@" not in out["address"]):
        errors["address"] = Text("errors.mailbox.address")
    if out.get("kind") not in MAILBOX_KINDS:
        errors["kind"] = Text("errors.mailbox.kind")
    if not out.get("host"):
        errors["host"] = Text("errors.mailbox.host")
    elif out.get("kind") == "ews" and not out["host"].startswith(("http://", "https://")):
        errors["host"] = Text("errors.mailbox.ews_url")
    if out.get("after_processing", "mark_read") not in AFTER_PROCESSING:
        errors["after_processing"] = Text("errors.mailbox.after_processing")
    if out.get("after_processing") == "move" and not out.get("move_to"):
        errors["move_to"] = Text("errors.mailbox.move_to")
    for key in ("port", "smtp_port", "service_id", "reopen_days"):
        if out.get(key) in ("", None):
            out[key] = None
        elif key in out:
            try:
                out[key] = int(out[key])
            except (TypeError, ValueError):
                errors[key] = Text("errors.field.number")
    if isinstance(out.get("reopen_days"), int) and not 0 <= out["reopen_days"] <= 3650:
        errors["reopen_days"] = Text("errors.field.number")
    if "plus_addressing" in out:
        out["plus_addressing"] = bool(out["plus_addressing"])
    if out.get("service_id") is not None and session.get(Service, out["service_id"]) is None:
        errors["service_id"] = Text("errors.no_such_service")
    if "folder" in out and not out["folder"]:  # an empty field means the inbox (the column's default)
        out["folder"] = "INBOX"
    if "aliases" in out and out["aliases"] is None:  # an untouched form field: no aliases, not NULL
        out["aliases"] = []
    if isinstance(out.get("aliases"), str):
        out["aliases"] = [a.strip().lower() for a in out["aliases"].split(",") if a.strip()]
    out["name"] = out.get("name") or out.get("address")
    if errors:
        raise ValidationError("errors.correct_fields", errors)
    return out


def save(session: Session, actor: User | None, values: dict, mailbox_id: int | None = None,
         password: str | None = None) -> Mailbox:
    """Create or update a mailbox; an empty password keeps the stored one."""
    _require_admin(actor)
    mailbox = session.get(Mailbox, mailbox_id) if mailbox_id else Mailbox()
    if mailbox is None:
        raise NotFound("errors.mailbox_not_found", id=mailbox_id)
    current = {k: getattr(mailbox, k) for k in EDITABLE if mailbox_id}
    before = audit.snapshot(mailbox)
    if "move_to" in values and "after_processing" not in values:  # the admin form has only the folder field
        values = {**values, "after_processing": "move" if (values["move_to"] or "").strip() else "mark_read"}
    cleaned = _clean(session, {**current, **values})
    other = session.scalar(select(Mailbox.id).where(Mailbox.address == cleaned["address"]))
    if other is not None and other != mailbox_id:
        raise ValidationError("errors.mailbox_address_taken", {"address": Text("errors.field.taken")})
    for key, value in cleaned.items():
        setattr(mailbox, key, value)
    if password:
        mailbox.secret = seal(password)
    if mailbox_id is None:
        session.add(mailbox)
    session.flush()
    audit.saved(session, actor, "mailbox", mailbox, before)
    return mailbox


def probe_settings(session: Session, actor: User | None, values: dict, mailbox_id: int | None = None,
                   password: str | None = None) -> Mailbox:
    """The mailbox as the form describes it, for "Test connection" (ingest/email/probe.py): checked like a save,
    but transient: nothing is stored. An empty password means the stored one (of the mailbox being edited)."""
    _require_admin(actor)
    stored = session.get(Mailbox, mailbox_id) if mailbox_id else None
    current = {k: getattr(stored, k) for k in EDITABLE} if stored is not None else {}
    cleaned = _clean(session, {**current, **values})
    box = Mailbox(**cleaned)  # never added to the session
    box.secret = seal(password) if password else (stored.secret if stored is not None else None)
    return box


def get(session: Session, actor: User | None, mailbox_id: int) -> Mailbox:
    """One mailbox, to edit it (admins only; its sealed password stays sealed)."""
    _require_admin(actor)
    return require_row(session, Mailbox, mailbox_id, "errors.mailbox_not_found", id=mailbox_id)


def listing(session: Session, actor: User | None) -> list[dict]:
    _require_admin(actor)
    rows = session.execute(select(Mailbox, Service.name).outerjoin(Service, Service.id == Mailbox.service_id)
                           .order_by(Mailbox.id)).all()
    return [{"id": m.id, "name": m.name, "kind": m.kind, "address": m.address, "service": service or "",
             "service_id": m.service_id, "host": m.host or "", "folder": m.folder, "enabled": m.enabled,
             "password": describe(m.secret), "last_run_at": m.last_run_at, "last_error": m.last_error or ""}
            for m, service in rows]
