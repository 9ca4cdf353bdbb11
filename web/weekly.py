"""Downloads of the weekly summary: the offline HTML file and the PDF."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from flask_login import current_user

from components.i18n import _, current_locale, error_message
from data.weekly import summary as weekly
from data.weekly import report as weekly_report
from data.db import read_session
from data.errors import NotFound, OknoError, PermissionDenied

log = logging.getLogger(__name__)
bp = Blueprint("weekly", __name__)


def _summary() -> tuple[dict | None, Response | None]:
    try:
        raw = [p for p in (request.args.get("teams") or "").split(",") if p.strip()]
        if not all(p.strip().isdigit() for p in raw):
            return None, Response(_("errors.team_ids"), 400, mimetype="text/plain")
        week = weekly.Week.parse(request.view_args["week"])
        with read_session() as s:
            return weekly.summary(s, current_user._get_current_object(), week, [int(p) for p in raw]), None
    except OknoError as err:
        code = 403 if isinstance(err, PermissionDenied) else 404 if isinstance(err, NotFound) else 400
        return None, Response(error_message(err), code, mimetype="text/plain")


def _file(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})


@bp.get("/weekly/summary-<week>.html")
def summary_html(week: str):
    summary, refusal = _summary()
    if refusal:
        return refusal
    document = weekly_report.html(summary, current_locale())
    return _file(document.encode("utf-8"), "text/html; charset=utf-8", weekly_report.filename(summary, "html"))


@bp.get("/weekly/summary-<week>.pdf")
def summary_pdf(week: str):
    summary, refusal = _summary()
    if refusal:
        return refusal
    try:
        body = weekly_report.pdf(weekly_report.html(summary, current_locale()))
    except weekly_report.PdfUnavailable as err:
        log.warning("weekly PDF unavailable: %s", err)
        return Response(_("weekly.pdf_unavailable"), 503, mimetype="text/plain")
    return _file(body, "application/pdf", weekly_report.filename(summary, "pdf"))
