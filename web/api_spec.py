"""The OpenAPI 3.1 document of the web-form API (served at /api/v1/openapi.json)."""
from __future__ import annotations

from data import limits
from data.config import get_config
from data.metrics.api import METRICS
from data.metrics.sql import GRAINS
from data.models import CHANNELS

ERROR = {"type": "object", "properties": {"error": {"type": "string"},
                                          "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}
STATUS = {"type": "object", "properties": {
    "number": {"type": "integer"}, "title": {"type": "string"},
    "status": {"type": "string", "enum": ["queue", "in_progress", "waiting", "done"]},
    "requester_status": {"type": "string", "description": "what the requester sees, e.g. “In progress”"},
    "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
    "resolved_at": {"type": ["string", "null"], "format": "date-time"}}}
MAX_ID = 2_147_483_647  # ids and numbers are PostgreSQL integers
ID_OR_CODE = {"oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "maxLength": 100}]}
# Every string: no NUL character (web/api_input.py refuses one whatever the schema says).
NEW_REQUEST = {"type": "object", "required": ["email", "service"], "additionalProperties": False, "properties": {
    "email": {"type": "string", "format": "email", "maxLength": 254, "description": "the requester's address"},
    "name": {"type": "string", "maxLength": 200},
    "service": {**ID_OR_CODE, "description": "service id or code"},
    "request_type": {**ID_OR_CODE, "description": "request type id or code (required when the service has types)"},
    "title": {"type": "string", "maxLength": 300, "description": "defaults to the request type's name"},
    "description": {"type": "string", "maxLength": 50_000},
    "values": {"type": "object", "maxProperties": 100, "description": "form field values by field key (see the request type's form)",
               "additionalProperties": {"type": ["string", "number", "boolean", "null", "array"], "maxLength": 10_000,
                                        "maxItems": 100,
                                        "items": {"type": ["string", "number", "boolean"], "maxLength": 2_000}}},
    "checklist_confirmed": {"type": "array", "maxItems": 100,
                            "items": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 10_000},
                                                {"type": "string", "maxLength": 500}]},
                            "description": "indexes or texts of confirmed checklist items"},
    "attachments": {"type": "array", "maxItems": 20,
                    "items": {"type": "object", "required": ["filename", "content_base64"],
                              "additionalProperties": False,
                              "properties": {"filename": {"type": "string", "maxLength": 255},
                                             "content_base64": {"type": "string"},
                                             "content_type": {"type": "string", "maxLength": 100},
                                             "field": {"type": "string", "maxLength": 100,
                                                       "description": "a file field's key"}}}},
    "locale": {"type": "string", "enum": ["ru", "en"], "description": "language of error messages"}}}


def new_request() -> dict:
    """NEW_REQUEST with the configured text limits (data/limits.py), so the document says what the services
    accept: a longer title, description or form value is a 400 naming the field and its limit."""
    props = dict(NEW_REQUEST["properties"])
    props["title"] = {**props["title"], "maxLength": limits.limit("title")}
    props["description"] = {**props["description"], "maxLength": limits.limit("text")}
    values = dict(props["values"])
    values["additionalProperties"] = {**values["additionalProperties"], "maxLength": limits.limit("field")}
    props["values"] = values
    return {**NEW_REQUEST, "properties": props}


IDS = {"type": "string", "pattern": "^[0-9]{1,10}(,[0-9]{1,10}){0,99}$", "maxLength": 1100}
DAY = {"type": "string", "format": "date", "maxLength": 10}
METRIC_ROWS = {"type": "object", "required": ["metric", "grain", "rows"], "properties": {
    "metric": {"type": "string"}, "grain": {"type": "string", "enum": list(GRAINS)},
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
    "rows": {"type": "array", "items": {"type": "object", "required": ["period"], "properties": {
        "period": {"type": "string", "format": "date", "description": "the bucket's first day (company time zone)"},
        "value": {"type": ["number", "null"]}, "count": {"type": "integer"},
        "p50": {"type": ["number", "null"]}, "p85": {"type": ["number", "null"]}, "p95": {"type": ["number", "null"]},
        "met": {"type": "integer"}, "breached": {"type": "integer"}}}}}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


METRIC_PARAMETERS = [
    {"name": "metric", "in": "path", "required": True, "schema": {"type": "string", "enum": list(METRICS)},
     "description": "created, throughput, backlog (`value`); cycle-time, lead-time, first-response (`count`, "
                    "`p50`, `p85`, `p95` in days); sla (`met`, `breached`); cfd (a field per status); "
                    "agents (a row per agent and period)"},
    _query("from", DAY, "first day of the period (default: 90 days before `to`)"),
    _query("to", DAY, "last day of the period, included (default: today)"),
    _query("grain", {"type": "string", "enum": list(GRAINS)}, "bucket size (default: as the charts choose)"),
    _query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv"),
    *[_query(key, IDS, f"{key} ids, comma-separated") for key in ("service", "team", "board", "priority")],
    _query("agent", IDS, "assignee ids, comma-separated; 0 = unassigned"),
    _query("type", IDS, "request type ids, comma-separated"),
    _query("channel", {"type": "string", "maxLength": 200,
                       "pattern": "^(" + "|".join(CHANNELS) + ")(,(" + "|".join(CHANNELS) + "))*$"},
           "channels, comma-separated"),
]


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def openapi() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Okno API", "version": "1.1.0",
                 "description": "Create service desk requests from intranet sites and widgets "
                                "(`Authorization: Bearer <token>`, Admin → Integrations), and read the analytics "
                                "figures for BI tools (`Authorization: Bearer <personal token>`, Profile → "
                                "Personal access tokens). docs/api.md has examples."},
        "servers": [{"url": get_config().public_url.rstrip("/") + "/api/v1"}],
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"},
                                           "personal": {"type": "http", "scheme": "bearer",
                                                        "description": "a staff member's personal access token"}},
                       "schemas": {"Error": ERROR, "Status": STATUS, "NewRequest": new_request(),
                                   "MetricRows": METRIC_ROWS}},
        "security": [{"token": []}],
        "paths": {
            "/requests": {"post": {
                "summary": "Create a request", "operationId": "createRequest",
                "requestBody": {"required": True, "content": {"application/json": {"schema": new_request()}}},
                "responses": {"201": {"description": "created",
                                      "content": {"application/json": {"schema": STATUS}}},
                              "400": _error("invalid input; `fields` has a message per field"),
                              "401": _error("missing or revoked token"),
                              "403": _error("the token is limited to another service"),
                              "413": _error("the body is too large"),
                              "415": _error("the body is not JSON")}}},
            "/requests/{number}": {"get": {
                "summary": "A request's status", "operationId": "getRequest",
                "parameters": [{"name": "number", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}],
                "responses": {"200": {"description": "the status", "content": {"application/json": {"schema": STATUS}}},
                              "401": _error("missing or revoked token"),
                              "404": _error("no such request created by this token")}}},
            "/metrics/{metric}": {"get": {
                "summary": "A metric per day, week or month, as the analytics pages draw it",
                "operationId": "getMetric", "security": [{"personal": []}], "parameters": METRIC_PARAMETERS,
                "responses": {"200": {"description": "rows, one per period (and per agent for `agents`)",
                                      "content": {"application/json": {"schema": METRIC_ROWS},
                                                  "text/csv": {"schema": {"type": "string"}}}},
                              "400": _error("invalid query; `fields` has a reason per parameter"),
                              "401": _error("missing or revoked personal token"),
                              "403": _error("the token's owner may not read analytics"),
                              "404": _error("no such metric")}}},
        },
    }
