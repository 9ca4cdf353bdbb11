"""The API's input check: a request body is held against the OpenAPI document's own schema
(web/api_spec.py new_request()) before any service runs, so a list where a string belongs, a NUL byte,
an id of 10^20 or `"service": true` is a 400 naming the field, never a database error (a 500).

A small interpreter of the JSON Schema words that document uses (type, oneOf, enum, minimum/maximum,
maxLength, maxItems, items, properties, required, additionalProperties); keeping it this small means
no schema library on the request path. Two rules hold for every string, whatever the schema says:
no NUL character (PostgreSQL text cannot hold one) and no lone surrogate (not encodable as UTF-8).
"""
from __future__ import annotations

import json

from flask import jsonify

from data.errors import Text

from web.api_spec import new_request

MAX_DEPTH = 20  # a body nested deeper than this is refused before it is even parsed by Python's json


def error(status: int, message: str, fields: dict | None = None):
    """Every API error's shape: {"error": message, "fields": {name: reason}} with its status."""
    return jsonify(error=message, fields=fields or {}), status


class BadBody(Exception):
    """The body is not a JSON object we can read at all (the status and message are for the caller)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _too_deep(raw: bytes) -> bool:
    """Nesting depth from the bytes (strings skipped): json.loads on 100,000 brackets raises RecursionError."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:  # the usual body: no need to walk it byte by byte
        return False
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def parse_object(raw: bytes) -> dict:
    if _too_deep(raw):
        raise BadBody(400, f"The JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadBody(400, "The body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadBody(400, "The body must be a JSON object")
    return body


def _is(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":  # a boolean is not a number here ("service": true is not service 1)
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
            and value not in (float("inf"), float("-inf"))
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return False


def _string_ok(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def problem(value, schema: dict) -> str | None:
    """Why `value` does not fit `schema` (a short English reason), or None when it does."""
    if "oneOf" in schema:
        fits = [s for s in schema["oneOf"] if problem(value, s) is None]
        return None if len(fits) == 1 else (problem(value, schema["oneOf"][0]) if not fits else "ambiguous")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is(value, k) for k in kinds):
            return f"must be {' or '.join(kinds)}"
    if "enum" in schema and value not in schema["enum"]:
        return "must be one of " + ", ".join(map(str, schema["enum"]))
    if isinstance(value, str):
        if not _string_ok(value):
            return "must not contain NUL or unpaired surrogate characters"
        if len(value) > schema.get("maxLength", 1_000_000):
            return f"at most {schema['maxLength']} characters"
    if _is(value, "number"):
        if value < schema.get("minimum", float("-inf")) or value > schema.get("maximum", float("inf")):
            return f"must be between {schema.get('minimum')} and {schema.get('maximum')}"
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", 10_000):
            return f"at most {schema['maxItems']} items"
        for item in value:
            reason = problem(item, schema.get("items", {}))
            if reason:
                return "item " + reason
    if isinstance(value, dict):
        props = schema.get("properties", {})
        missing = [k for k in schema.get("required", []) if k not in value]
        if missing:
            return "missing " + ", ".join(missing)
        extra = schema.get("additionalProperties", True)
        if len(value) > schema.get("maxProperties", 10_000):
            return f"at most {schema['maxProperties']} keys"
        for key, item in value.items():
            if not _string_ok(key):
                return "keys must not contain NUL characters"
            sub = props.get(key, extra)
            if sub is False:
                return f"unknown key {key[:40]}"
            reason = problem(item, sub if isinstance(sub, dict) else {})
            if reason:
                return f"{key[:40]}: {reason}"
    return None


def field_problems(body: dict, schema: dict | None = None) -> dict[str, Text | str]:
    """{field: reason} for every top-level field of a new-request body that breaks the document."""
    schema = schema or new_request()
    out: dict[str, Text | str] = {}
    props = schema["properties"]
    for key, value in body.items():
        if key not in props:
            out[key[:60] if _string_ok(key) else "?"] = "unknown field"
            continue
        if value is None and key not in schema.get("required", []):
            continue  # an optional field sent as null is the same as leaving it out
        reason = problem(value, props[key])
        if reason:
            out[key] = reason
    for key in schema.get("required", []):
        if body.get(key) is None and key not in out:
            out[key] = "required"
    return out
