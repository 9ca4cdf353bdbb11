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

from data import limits
from data.errors import Text

FIELD_TYPES = ("text", "textarea", "number", "date", "select", "multiselect", "checkbox", "file")
# A one-line field is as long as a title may be; a long-text field has a limit of its own (data/limits.py).
TEXT_LIMIT_KIND = {"text": "title", "textarea": "field"}
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


def clean_value(field: dict, raw):
    """(value, problem or None) for one submitted value, the problem a Text; empty values come back as None."""
    kind = field.get("type", "text")
    if kind == "checkbox":
        if raw in (True, False, None, "", "true", "false", "on", 1, 0):
            return (raw in (True, "true", "on", 1)) or None, None
        return None, Text("form.not_boolean")
    if raw is None or raw == "" or raw == []:
        return None, None
    if kind in ("text", "textarea"):
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            return None, Text("form.not_text")
        text = str(raw).replace("\x00", "").strip()
        most = limits.limit(TEXT_LIMIT_KIND[kind])
        if len(text) > most:
            return None, Text("errors.field.at_most", limit=limits.Characters(most))
        return text or None, None
    if kind == "number":
        if isinstance(raw, bool):
            return None, Text("form.not_number")
        try:
            number = float(str(raw).replace(",", ".").replace(" ", "")) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            return None, Text("form.not_number")
        if number != number or abs(number) > 1e15:  # NaN or absurd
            return None, Text("form.not_number")
        return (int(number) if number.is_integer() else number), None
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)[:10]).isoformat(), None
        except ValueError:
            return None, Text("form.not_date")
    options = field.get("options") or []
    if kind == "select":
        if raw not in options:
            return None, Text("form.not_option")
        return raw, None
    if kind == "multiselect":
        items = raw if isinstance(raw, list) else [raw]
        if any(item not in options for item in items):
            return None, Text("form.not_option")
        return [o for o in options if o in items] or None, None  # option order, no duplicates
    if kind == "file":
        names = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(n, str) for n in names):
            return None, Text("form.not_file")
        return names, None
    return None, Text("form.unknown_type")


def check_schema(schema: list) -> list[Text]:
    """Problems in a field schema an admin built (bad keys, duplicate keys, missing options, dangling show-when)."""
    problems, keys = [], []
    if not isinstance(schema, list):
        return [Text("errors.schema.not_a_list")]
    for i, field in enumerate(schema, 1):
        key = field.get("key") if isinstance(field, dict) else None
        if not key or not KEY_RE.match(str(key)):
            problems.append(Text("errors.schema.key_format", n=i))
            continue
        if key in keys:
            problems.append(Text("errors.schema.key_twice", n=i, key=key))
        keys.append(key)
        if field.get("type") not in FIELD_TYPES:
            problems.append(Text("errors.schema.unknown_type", key=key, type=field.get("type")))
        if not str(field.get("label") or "").strip():
            problems.append(Text("errors.schema.label_required", key=key))
        if field.get("type") in ("select", "multiselect") and not field.get("options"):
            problems.append(Text("errors.schema.options_required", key=key))
    for field in schema:
        cond = field.get("show_when") if isinstance(field, dict) else None
        if cond and cond.get("field") not in keys:
            problems.append(Text("errors.schema.show_when_unknown", key=field.get("key"), field=cond.get("field")))
        if cond and cond.get("field") == field.get("key"):
            problems.append(Text("errors.schema.show_when_self", key=field.get("key")))
    return problems
