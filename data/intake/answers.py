"""What the requester filled in on the form, labelled for a reader: the card, the drawer, the ticket
list, the portal's own view of a request.

A field's label is `label_<locale>` when the admin wrote one (e.g. "label_en"), else `label`. A select's
option may be a plain string (shown as is) or {"value", "label"[, "label_<locale>"]} (shown by its label).
Fields come in the form's order; values whose field left the form later still show, under their key.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.i18n import N_, translate
from data.models import RequestType, Ticket

YES = N_("form.yes")


def _label(item: dict, locale: str | None, fallback: str) -> str:
    return str(item.get(f"label_{locale}") or item.get("label") or fallback)


def label(field: dict, locale: str | None) -> str:
    """A field's label in this language (its key when it has none)."""
    return _label(field, locale, str(field.get("key", "")))


def option_label(option, locale: str | None) -> str:
    """A select option as offered to choose from (the bot's buttons): its label in this language."""
    return _label(option, locale, str(option.get("value", ""))) if isinstance(option, dict) else str(option)


def _option(field: dict, value, locale: str | None) -> str:
    for option in field.get("options") or []:
        if isinstance(option, dict) and option.get("value") == value:
            return _label(option, locale, str(value))
    return str(value)


def shown(field: dict, value, locale: str | None) -> str:
    """One value as text: ticked boxes as "yes", options by their label, lists joined by commas."""
    if value is True:
        return translate(YES, locale)
    if isinstance(value, list):
        return ", ".join(_option(field, v, locale) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _option(field, value, locale)


def labelled(schema: list | None, values: dict | None, locale: str | None) -> list[dict]:
    """[{"key", "label", "value"}] for every filled-in value (empty and unticked ones are left out)."""
    values = values or {}
    known = [f for f in (schema or []) if isinstance(f, dict) and f.get("key") in values]
    rows = [(f, values[f["key"]]) for f in known]
    keys = {f["key"] for f in known}
    rows += [({"key": k}, v) for k, v in values.items() if k not in keys]
    return [{"key": f["key"], "label": _label(f, locale, f["key"]), "value": shown(f, v, locale)}
            for f, v in rows if v not in (None, "", [], False)]


def schemas(session: Session, request_type_ids) -> dict[int, list]:
    """The field schemas of these request types, by id: one query for a page of tickets."""
    ids = {i for i in request_type_ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(RequestType.id, RequestType.field_schema).where(RequestType.id.in_(ids))).all())


def of_ticket(session: Session, ticket: Ticket, locale: str | None) -> list[dict]:
    """The ticket's form answers, labelled. The caller has checked that the reader may see the ticket."""
    if not ticket.fields:
        return []
    schema = schemas(session, [ticket.request_type_id]).get(ticket.request_type_id)
    return labelled(schema, ticket.fields, locale)


def summary(rows: list[dict]) -> str:
    """One line for a list cell: "Label: value; Label: value"."""
    return "; ".join(f"{r['label']}: {r['value']}" for r in rows)
