"""The card page's satisfaction section: each resolution's score and comment, or that none came."""
from __future__ import annotations

from dash import html

from components.i18n import N_, _

STATE_LABELS = {"waiting": N_("csat.card.waiting"), "expired": N_("csat.card.expired")}


def ratings(rows: list[dict], when) -> html.Ul:
    items = []
    for r in rows:
        label = html.Span(_("csat.card.resolution", n=r["resolution"]) + ": ", className="text-muted")
        if r["score"] is None:
            items.append(html.Li([label, html.Span(_(STATE_LABELS[r["state"]]), className="text-muted")]))
            continue
        stars = html.Span("★" * r["score"] + "☆" * (5 - r["score"]),
                          className="text-danger" if r["score"] <= 2 else "text-warning")
        items.append(html.Li([label, stars, html.Strong(" " + _("csat.card.rated", score=r["score"])),
                              html.Span(f" · {when(r['rated_at'])}", className="text-muted small"),
                              html.Div(r["comment"], className="small", style={"whiteSpace": "pre-wrap"})
                              if r["comment"] else None]))
    return html.Ul(items, className="list-unstyled mb-0", id="ticket-csat")
