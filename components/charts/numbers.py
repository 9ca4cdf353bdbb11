"""Numbers and dates on charts the way the viewer's language writes them: "1 234,5" and "49 %" and
02.03 in Russian, "1,234.5", "49%" and Mar 02 in English. Python-side text goes through Babel; Plotly's
own ticks and hover values through the layout's separators and axis formats."""
from __future__ import annotations

import plotly.graph_objects as go
from babel.numbers import format_decimal, format_percent

from components.i18n import current_locale

# Plotly's `separators`: the decimal mark, then the thousands separator (a no-break space in Russian).
SEPARATORS = {"ru": ",\u00a0", "en": ".,"}
DAY_TICKS = {"ru": "%d.%m", "en": "%b %d"}
DAY_HOVER = {"ru": "%d.%m.%Y", "en": "%Y-%m-%d"}


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0" + ("." + "#" * digits if digits else ""), locale=current_locale())


def percent(share: float | None) -> str:
    return "—" if share is None else format_percent(share, locale=current_locale())


def day_hover() -> str:
    """The hover template piece for a date on x."""
    return "%{x|" + DAY_HOVER.get(current_locale(), DAY_HOVER["en"]) + "}"


def localise(fig: go.Figure, *, dates: bool = False) -> go.Figure:
    """Separators for every number Plotly draws; day-month ticks on a date x axis."""
    locale = current_locale()
    fig.update_layout(separators=SEPARATORS.get(locale, SEPARATORS["en"]))
    if dates:
        fig.update_xaxes(tickformat=DAY_TICKS.get(locale, DAY_TICKS["en"]))
    return fig
