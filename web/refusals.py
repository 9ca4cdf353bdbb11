"""A permission refusal that no page turned into its own alert becomes a clear HTTP 403.

Pages show a refused action in their alert (the card page, the board). Anything else that raises
PermissionDenied — a forged Dash callback naming another team's board or ticket, a route — answers
403 with the service's message in the viewer's language, never a 500 and never data.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_login import current_user

from components.i18n import error_message
from data.errors import PermissionDenied

log = logging.getLogger(__name__)


def refused(err: PermissionDenied):
    who = getattr(current_user, "id", None)
    log.warning("permission refused: user %s on %s %s from %s: %s", who, request.method, request.path,
                request.remote_addr, err)
    message = error_message(err)
    if request.path.startswith("/_dash-") or request.is_json:
        return jsonify(error=message), 403
    return message, 403, {"Content-Type": "text/plain; charset=utf-8"}


def init(server: Flask) -> None:
    server.register_error_handler(PermissionDenied, refused)
