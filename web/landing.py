"""`/board` typed or linked from outside the app (the sign-in redirect, a bookmark) goes to the user's home
board by HTTP redirect. Dash could only do it after booting the page once, then booting it again at the new
address: a second full load of the most visited page, and a page that navigates away under a reader (or a
test) that has just started on it."""
from __future__ import annotations

from flask import Flask, redirect, request
from flask_login import current_user

from data.boards import setup as boards
from data.db import read_session
from data.permissions import can_open


def init(server: Flask) -> None:
    server.before_request(to_home_board)


def to_home_board():
    if request.method != "GET" or request.path.rstrip("/") != "/board":
        return None
    user = current_user
    if not getattr(user, "is_authenticated", False) or not can_open(user, "board"):
        return None  # the sign-in check and the page's own refusal answer these
    with read_session() as s:
        home = boards.landing(s, user._get_current_object(), listed=bool(request.args.get("all")))
    return redirect(home) if home is not None else None
