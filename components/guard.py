"""Page-level role checks: a page's layout returns `denied()` when the role may not open it."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from flask_login import current_user

from data.permissions import can_open

from components.i18n import _


def allowed(page: str) -> bool:
    return can_open(current_user if getattr(current_user, "is_authenticated", False) else None, page)


def denied():
    return dbc.Alert(_("denied"), color="warning", className="mt-4", id="page-denied")
