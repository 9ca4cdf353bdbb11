"""`/admin`: the admin sections (components/admin_nav.SECTIONS; other features add theirs)."""
import dash
from dash import html

from components.admin_nav import tiles
from components.guard import allowed, denied
from components.i18n import _

dash.register_page(__name__, path="/admin", title="Okno · Admin")


def layout(**_kw):
    if not allowed("admin"):
        return denied()
    return html.Div([html.H3(_("nav.admin"), className="mb-3"), tiles()], id="admin-index")
