"""The request form: field types, show-when conditions, and cleaning one value per field.

A request type's `field_schema` is a list of fields (see RequestType's docstring):
    {"key": "location", "type": "text", "label": "Where are you", "help": "...", "required": true,
     "options": ["A", "B"], "show_when": {"field": "remote_help", "equals": false}}
Types: text, textarea (long text), number, date (YYYY-MM-DD), select, multiselect, checkbox, file.
show_when: {"field": key, "equals": v} | {"field": key, "not_equals": v} | {"field": key, "in": [v, ...]};
a field whose condition is false is hidden: not required, and its value is dropped.
"""
from __future__ import annotations

import re
from datetime import date

from data.i18n import translate

FIELD_TYPES = ("text", "textarea", "number", "date", "select", "multiselect", "checkbox", "file")
TEXT_LIMIT = {"text": 500, "textarea": 10000}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value is False


def visible(field: dict, values: dict) -> bool:
    """Whether the field shows, given the values of the fields it depends on."""
    cond = field.get("show_when")
    if not cond or not cond.get("field"):
        return True
    actual = values.get(cond["field"])
    if "equals" in cond:
        expected = cond["equals"]
        if expected is False:  # an unticked checkbox has no value at all
            return not actual
        return actual == expected or (isinstance(actual, list) and expected in actual)
    if "not_equals" in cond:
        return actual != cond["not_equals"]
    if "in" in cond:
        return actual in (cond["in"] or [])
    return True


def clean_value(field: dict, raw, locale: str | None = None):
    """(value, error message or None) for one submitted value; empty values come back as None."""
    kind = field.get("type", "text")

    def err(key, **kw):
        return None, translate(f"form.{key}", locale, **kw)

    if kind == "checkbox":
        if raw in (True, False, None, "", "true", "false", "on", 1, 0):
            return (raw in (True, "true", "on", 1)) or None, None
        return err("not_boolean")
    if raw is None or raw == "" or raw == []:
        return None, None
    if kind in ("text", "textarea"):
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            return err("not_text")
        text = str(raw).replace("\x00", "").strip()
        if len(text) > TEXT_LIMIT[kind]:
            return err("too_long", limit=TEXT_LIMIT[kind])
        return text or None, None
    if kind == "number":
        if isinstance(raw, bool):
            return err("not_number")
        try:
            number = float(str(raw).replace(",", ".").replace(" ", "")) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            return err("not_number")
        if number != number or abs(number) > 1e15:  # NaN or absurd
            return err("not_number")
        return (int(number) if number.is_integer() else number), None
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)[:10]).isoformat(), None
        except ValueError:
            return err("not_date")
    options = field.get("options") or []
    if kind == "select":
        if raw not in options:
            return err("not_option")
        return raw, None
    if kind == "multiselect":
        items = raw if isinstance(raw, list) else [raw]
        if any(item not in options for item in items):
            return err("not_option")
        return [o for o in options if o in items] or None, None  # option order, no duplicates
    if kind == "file":
        names = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(n, str) for n in names):
            return err("not_file")
        return names, None
    return err("unknown_type")


def check_schema(schema: list) -> list[str]:
    """Problems in a field schema an admin built (bad keys, duplicate keys, missing options, dangling show-when)."""
    problems, keys = [], []
    if not isinstance(schema, list):
        return ["the field list must be a list"]
    for i, field in enumerate(schema, 1):
        key = field.get("key") if isinstance(field, dict) else None
        if not key or not KEY_RE.match(str(key)):
            problems.append(f"field {i}: the key must be latin letters, digits and _ (starting with a letter)")
            continue
        if key in keys:
            problems.append(f"field {i}: the key “{key}” is used twice")
        keys.append(key)
        if field.get("type") not in FIELD_TYPES:
            problems.append(f"field “{key}”: unknown type “{field.get('type')}”")
        if not str(field.get("label") or "").strip():
            problems.append(f"field “{key}”: a label is required")
        if field.get("type") in ("select", "multiselect") and not field.get("options"):
            problems.append(f"field “{key}”: a list needs options")
    for field in schema:
        cond = field.get("show_when") if isinstance(field, dict) else None
        if cond and cond.get("field") not in keys:
            problems.append(f"field “{field.get('key')}”: show-when refers to an unknown field “{cond.get('field')}”")
        if cond and cond.get("field") == field.get("key"):
            problems.append(f"field “{field.get('key')}”: show-when cannot depend on itself")
    return problems
