"""The keyboard shortcuts' help overlay ("?" opens it, Esc closes it): an accessible modal dialog listing
every shortcut. Plain markup, opened and closed in the browser by assets/shortcuts.js (no callback, so no
round trip); the shortcuts themselves live in assets/board.js, assets/search.js and assets/shortcuts.js.
Keys are matched by their physical position (event.code), so they work in the Russian layout too."""
from __future__ import annotations

from dash import html
from flask_login import current_user

from components.i18n import N_, _
from data.permissions import READERS

DIALOG = "okno-shortcuts"
# (keys as shown, what it does): the message ids, for extraction.
SHORTCUTS = [
    (["/"], N_("shortcuts.search")),
    (["?"], N_("shortcuts.help")),
    (["J", "K"], N_("shortcuts.next_prev")),
    (["Enter"], N_("shortcuts.open")),
    (["R"], N_("shortcuts.reply")),
    (["M"], N_("shortcuts.move")),
    (["Esc"], N_("shortcuts.close")),
]


def _keys(keys: list[str]):
    out = []
    for i, key in enumerate(keys):
        if i:
            out.append(" / ")
        out.append(html.Kbd(key))
    return out


def help_dialog():
    """The overlay, hidden until "?" (staff only: the portal has no shortcuts)."""
    if not getattr(current_user, "is_authenticated", False) or getattr(current_user, "role", None) not in READERS:
        return html.Div()
    rows = [html.Tr([html.Td(_keys(keys), className="text-nowrap"), html.Td(_(what))]) for keys, what in SHORTCUTS]
    return html.Div(html.Div([
        html.Div([html.H2(_("shortcuts.title"), id=f"{DIALOG}-title", className="h5 mb-0 me-auto"),
                  html.Button(className="btn-close", type="button", id=f"{DIALOG}-close",
                              **{"aria-label": _("shortcuts.close_button"), "data-shortcuts-close": "1"})],
                 className="d-flex align-items-center mb-2"),
        html.Table([html.Thead(html.Tr([html.Th(_("shortcuts.key"), scope="col"),
                                        html.Th(_("shortcuts.action"), scope="col")])),
                    html.Tbody(rows)], className="table table-sm mb-2"),
        html.P(_("shortcuts.any_layout"), className="small text-muted mb-0"),
    ], className="okno-shortcuts card card-body shadow", role="dialog", tabIndex="-1",
        **{"aria-modal": "true", "aria-labelledby": f"{DIALOG}-title"}),
        id=DIALOG, className="okno-shortcuts-backdrop", hidden=True)
