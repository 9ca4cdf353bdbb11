"""Streaming CSV export of the filtered ticket list (the whole set, not the loaded page)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, request, stream_with_context
from flask_login import current_user

from data import audit
from data.exports import excel
from data.tickets import query as ticket_query
from data.db import read_session
from data.errors import PermissionDenied

from components.i18n import current_locale, error_message

bp = Blueprint("export", __name__)


@bp.get("/tickets/export.csv")
def tickets_csv():
    query = request.args.to_dict()
    # `excel=ru`: the CSV Russian Excel opens as a table; without it, the plain CSV scripts rely on.
    dialect = excel.mode(query.pop("excel", None))
    f, _problems = ticket_query.parse_filter(query)  # invalid values are ignored, as in the list
    columns = [c for c in (query.get("columns") or "").split(",") if c] or None
    user, locale = current_user._get_current_object(), current_locale()

    def generate():
        with read_session() as s:
            yield from ticket_query.export_csv(s, user, f, columns, locale=locale, excel=dialect)

    try:
        ticket_query.require_export(user)
    except PermissionDenied as err:
        return Response(error_message(err), status=403)
    audit.record_separately(user, "export.tickets_csv", None, after={"filter": f.to_query(), "columns": columns,
                                                                            "excel": dialect})
    name = f"okno-tickets-{datetime.now():%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Accel-Buffering": "no"})
