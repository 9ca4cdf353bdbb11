"""`/admin`: the admin sections (components/admin_nav.SECTIONS; other features add theirs)."""
import dash
from dash import html

from components.admin_nav import tiles
from components.guard import allowed, denied
from components.i18n import _
from data.messaging import dev_outbox

dash.register_page(__name__, path="/admin", title="Okno · Admin")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    outbox = html.P(html.A([html.I(className="bi bi-envelope-open me-1"), _("devbox.title")], href="/dev/outbox"),
                    id="admin-dev-outbox") if dev_outbox.available() else None
    return html.Div([html.H3(_("nav.admin"), className="mb-3"), outbox, tiles()], id="admin-index")
