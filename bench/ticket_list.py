"""Ticket list callback times at a million tickets: first page, filtered and sorted pages (each with its
count, as the grid's first block), the count alone, and the export of a filtered set.

Targets (issue #19): every sort p95 < 150 ms, text search + count p95 < 100 ms."""
from __future__ import annotations

import time

from sqlalchemy import select


def run(url: str) -> dict:
    from flask_login import login_user

    from app import create_app
    from data.db import read_session
    from data.models import Service, User
    from bench.common import timed

    server = create_app()
    from pages import tickets as page  # the module the app's pages run from
    with read_session() as s:
        user = s.scalar(select(User).where(User.email == "analyst@okno.demo"))
        service_id = s.scalar(select(Service.id).where(Service.code == "hr"))
        s.expunge(user)
    cases = {
        "first_page": ({"startRow": 0, "endRow": 100, "sortModel": []}, {}),
        "scrolled_page_5000": ({"startRow": 5000, "endRow": 5100, "sortModel": []}, {}),
        "filtered_page": ({"startRow": 0, "endRow": 100, "sortModel": []},
                          {"service": str(service_id), "status": "done", "channel": "email"}),
        "sorted_by_title": ({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "title", "sort": "asc"}]}, {}),
        "sorted_by_priority_filtered": ({"startRow": 0, "endRow": 100, "sortModel": [{"colId": "priority", "sort": "asc"}]},
                                        {"service": str(service_id)}),
        "text_search": ({"startRow": 0, "endRow": 100, "sortModel": []}, {"q": "принтер"}),
    }
    for key in ("priority", "assignee", "service"):
        for direction in ("asc", "desc"):
            cases[f"sorted_by_{key}_{direction}"] = (
                {"startRow": 0, "endRow": 100, "sortModel": [{"colId": key, "sort": direction}]}, {})
    from data.tickets import query as ticket_query
    counts = {"count_all": {}, "count_text_search": {"q": "принтер"}, "count_service_done": {
        "service": str(service_id), "status": "done"}}
    out = {}
    with server.test_request_context("/tickets"):
        login_user(user)
        for name, (request, query) in cases.items():
            out[name] = timed(lambda: page.rows(request, query), repeat=15)
        for name, query in counts.items():
            f, _ = ticket_query.parse_filter(query)
            with read_session() as s:
                out[name] = timed(lambda: ticket_query.count(s, user, f), repeat=15)
                out[name]["count"] = list(ticket_query.count(s, user, f))
        # The whole export of a filtered set (time to stream it all; memory stays flat: COPY chunks).
        with read_session() as s:
            f, _ = ticket_query.parse_filter({"service": str(service_id)})
            started, size = time.perf_counter(), 0
            for chunk in ticket_query.export_csv(s, user, f):
                size += len(chunk)
            out["export_service_csv"] = {"seconds": round(time.perf_counter() - started, 2), "bytes": size}
    return out
