"""Plain-dict html components for the hot path (board cards).

A Dash component is serialised as {"type", "namespace", "props"}; building that dict directly
skips the component constructor's validation and the encoder's per-object to_plotly_json call,
which makes a column of cards render several times faster. Only for elements without ids or
callbacks; everything else uses dash.html.
"""
from __future__ import annotations


def el(tag: str, children=None, **props) -> dict:
    """`el("Div", [...], className="x", **{"data-id": 1})` ≈ `html.Div([...], className="x", ...)`."""
    if children is not None:
        props["children"] = children
    return {"type": tag, "namespace": "dash_html_components", "props": props}
