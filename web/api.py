"""The web-form API for intranet sites and widgets: JSON in, JSON out, a bearer token per integration.

    POST /api/v1/requests          create a request (the same rules as the portal)
    GET  /api/v1/requests/<number> its status (only requests this token created)
    GET  /api/v1/metrics/<metric>  analytics figures for BI tools (web/api_metrics.py; a personal token)
    GET  /api/v1/openapi.json      the OpenAPI 3.1 document
Errors are JSON: {"error": message, "fields": {key: message}} with 400/401/403/404/405/413/415.
One error boundary (the handlers at the end): a body is checked against the OpenAPI document before any
service runs (web/api_input.py), a domain error is a 4xx, and anything unexpected is a JSON 500 with an
id that is also in the log, never Flask's HTML page.
"""
from __future__ import annotations

import base64
import binascii
import logging
import re

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from data.catalog import integrations, lookups
from data.intake import requesters
from data.intake import submit as requests
from data.db import read_session, session_scope, unreachable
from data.errors import NotFound, OknoError, PermissionDenied, Text, ValidationError
from data.i18n import translate

from web import api_metrics
from web.api_input import BadBody, error, field_problems, parse_object
from web.api_spec import MAX_ID, openapi
from web.faults import error_ref

log = logging.getLogger("okno.api")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits only ("²".isdigit() is True, int("²") is not)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def api_access() -> bool:
    """web.auth hook: the OpenAPI document is public; the metrics need a staff member's personal token,
    the other calls a live integration token."""
    if not request.path.startswith("/api/v1/"):
        return False
    if request.path == "/api/v1/openapi.json":
        return True
    if request.path.startswith(api_metrics.PREFIX):
        return api_metrics.admit(_bearer())
    with session_scope() as s:
        token = integrations.authenticate(s, _bearer())
        if token is None:
            log.warning("API call %s %s with a missing or revoked token from %s", request.method, request.path,
                        request.remote_addr)
            return False
        g.integration = {"id": token.id, "service_id": token.service_id, "name": token.name}
    return True


@bp.before_request
def require_token():
    # A staff cookie passes the app guard without the hook; the API still wants its token.
    if request.path == "/api/v1/openapi.json":
        return None
    if request.path.startswith(api_metrics.PREFIX):
        if "token_owner" not in g and not api_access():
            return error(401, "A valid personal access token is required (Authorization: Bearer okno_pat_...)")
        return None
    if "integration" not in g and not api_access():
        return error(401, "A valid integration token is required (Authorization: Bearer ...)")
    return None


bp.add_url_rule("/metrics/<metric>", view_func=api_metrics.metric_rows, methods=["GET"])


def _files(items) -> list[dict]:
    if items in (None, []):
        return []
    if not isinstance(items, list):
        raise ValidationError("errors.api.attachments_list", {"attachments": Text("errors.field.list")})
    out = []
    for i, item in enumerate(items):
        try:
            out.append({"filename": str(item["filename"]), "field": item.get("field"),
                        "content_type": item.get("content_type"),
                        "content": base64.b64decode(item["content_base64"], validate=True)})
        except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
            raise ValidationError("errors.api.attachment",
                                  {f"attachments[{i}]": Text("errors.field.attachment")}) from None
    return out


@bp.post("/requests")
def create_request():
    if not request.is_json:
        return error(415, "Send JSON with Content-Type: application/json")
    try:
        body = parse_object(request.get_data(cache=True))
    except BadBody as bad:
        return error(bad.status, bad.message)
    locale = body.get("locale") if body.get("locale") in ("ru", "en") else "en"
    problems = field_problems(body)
    if problems:
        unknown_only = all(v == "unknown field" for v in problems.values())
        return error(400, "Unknown fields" if unknown_only else translate("errors.correct_fields", locale),
                     {k: str(v) for k, v in problems.items()})
    token = g.integration
    try:
        with session_scope() as s:
            service = lookups.service_by_ref(s, body.get("service"))
            if service is None:
                raise ValidationError("errors.api.unknown_service", {"service": Text("errors.field.api_service")})
            if token["service_id"] and service.id != token["service_id"]:
                return error(403, "This token may only create requests for its own service", {"service": "forbidden"})
            rt = lookups.request_type_by_ref(s, service.id, body.get("request_type"))
            if body.get("request_type") not in (None, "") and rt is None:
                raise ValidationError("errors.api.unknown_request_type",
                                      {"request_type": Text("errors.field.api_request_type")})
            if not isinstance(body.get("email"), str):
                raise ValidationError("errors.api.email_required", {"email": Text("errors.field.required")})
            requester = requesters.find_or_create_by_email(s, body["email"], body.get("name"))
            ticket = requests.submit(s, requester, service_id=service.id, request_type_id=rt.id if rt else None,
                                     title=str(body.get("title") or ""), description=str(body.get("description") or ""),
                                     values=body.get("values"), checklist_confirmed=body.get("checklist_confirmed"),
                                     channel="api", attachments=_files(body.get("attachments")))
            integrations.remember(s, token["id"], ticket)
            result = integrations.request_status(s, ticket)
    except ValidationError as err:  # in the language the call asked for
        return error(400, err.message(locale), err.field_messages(locale))
    log.info("API %s created request #%s", token["name"], result["number"])
    return jsonify(result), 201


@bp.get("/requests/<number>")
def get_request(number: str):
    if not NUMBER.fullmatch(number) or not 1 <= int(number) <= MAX_ID:
        return error(404, f"Request #{number[:20]} not found")
    with read_session() as s:
        try:
            ticket = integrations.created_by(s, g.integration["id"], int(number))
        except NotFound as err:
            return error(404, err.message("en"))
        return jsonify(integrations.request_status(s, ticket))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi())


# ---- the error boundary: every answer under /api/v1 is JSON ----

@bp.errorhandler(HTTPException)
def http_error(err: HTTPException):
    return error(err.code or 500, err.description or err.name)


@bp.errorhandler(OknoError)
def domain_error(err: OknoError):
    fields = err.field_messages("en") if isinstance(err, ValidationError) else {}
    status = 404 if isinstance(err, NotFound) else 403 if isinstance(err, PermissionDenied) else 400
    return error(status, err.message("en"), fields)


@bp.errorhandler(Exception)
def unexpected(err: Exception):
    if unreachable(err):  # a write's transaction was rolled back with its connection: nothing was created
        log.warning("API %s %s: database unreachable: %s", request.method, request.path, err)
        return error(503, translate("errors.database_unreachable", "en"))
    ref = error_ref()
    log.exception("API %s %s failed (error id %s)", request.method, request.path, ref)
    return error(500, f"Internal error; quote this id when reporting it: {ref}")
