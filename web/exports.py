"""Downloads of export jobs (ticket list, CSV/XLSX, streamed) and of analytics chart data."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context
from flask_login import current_user

from data.exports import excel, jobs as exports
from data.db import read_session, replica_session
from data.errors import NotFound, OknoError, PermissionDenied
from data.exports.files import CONTENT_TYPES

from components.i18n import current_locale, error_message

bp = Blueprint("exports", __name__)


def _refusal(err: OknoError) -> Response:
    code = 404 if isinstance(err, NotFound) else 403 if isinstance(err, PermissionDenied) else 400
    return Response(error_message(err), status=code, mimetype="text/plain")


def _attachment(chunks, fmt: str, name: str) -> Response:
    # No Content-Length: the size is unknown until the last row; progress is on the job row instead.
    return Response(stream_with_context(chunks), mimetype=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Accel-Buffering": "no",
                             "Cache-Control": "no-store"})


@bp.get("/exports/jobs/<int:job_id>/download")
def job_download(job_id: int):
    user = current_user._get_current_object()
    try:
        job = exports.open_job(user, job_id)
    except OknoError as err:
        return _refusal(err)
    dialect = excel.mode(request.args.get("excel"))  # a CSV for Russian Excel, or the plain one
    return _attachment(exports.stream(user, job, current_locale(), excel=dialect), job.format, exports.filename(job))


@bp.get("/exports/jobs/<int:job_id>")
def job_status(job_id: int):
    try:
        with read_session() as s:
            return jsonify(exports.status(s, current_user._get_current_object(), job_id))
    except OknoError as err:
        return _refusal(err)


@bp.get("/exports/charts/<name>.<fmt>")
def chart_download(name: str, fmt: str):
    """Any registered chart's data; the chart's own parameters come from the query string."""
    user = current_user._get_current_object()
    try:
        with replica_session() as s:
            params = request.args.to_dict()
            dialect = excel.mode(params.pop("excel", None))
            chunks = list(exports.chart_file(s, user, name, params, fmt, excel=dialect))
    except OknoError as err:
        return _refusal(err)
    return _attachment(iter(chunks), fmt, f"okno-{name}.{fmt}")
