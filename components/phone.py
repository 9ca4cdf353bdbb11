"""Pieces that only change the page below the md breakpoint (a 390 px phone): filters folded behind a
"Filters" button, and the board's column picker. On a wider screen the button and the picker are hidden
and the page is as before. The toggling is in assets/phone.js (no server round trip, no session)."""
from __future__ import annotations

from dash import html

from components.i18n import _


def folding_filters(filters, ident: str) -> html.Div:
    """`filters` behind a "Filters" button on a phone, always shown on a wider screen."""
    button = html.Button([html.I(className="bi bi-funnel me-1", **{"aria-hidden": "true"}), _("phone.filters")], type="button",
                         id=f"{ident}-toggle", className="btn btn-outline-secondary btn-sm d-md-none mb-2",
                         **{"data-okno-fold": ident, "aria-controls": ident, "aria-expanded": "false"})
    return html.Div([button, html.Div(filters, id=ident, className="okno-fold")])


def column_picker(columns: list[dict]) -> html.Div:
    """The board one column at a time on a phone: this select says which (the first one at first)."""
    return html.Div([
        html.Label(_("phone.column"), htmlFor="board-phone-column", className="form-label small text-muted mb-0 me-2"),
        html.Select([html.Option(c["name"], value=str(c["id"])) for c in columns], id="board-phone-column",
                    className="form-select form-select-sm", **{"data-okno-column-picker": "1"}),
    ], className="okno-column-picker d-flex d-md-none align-items-center mb-2")
