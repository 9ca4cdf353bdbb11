"""A requester's callback is judged on its whole input: Dash passes inputs by position, so one
`_pages_location.pathname` entry that says /portal must not carry another page's path along."""
from __future__ import annotations

import pytest

from tests.test_portal_security import callback, client_as, render, world  # noqa: F401

PAGE = [("_pages_content", "children"), ("_pages_store", "data")]


@pytest.mark.parametrize("inputs", [
    # another id first: Dash renders its value as the path
    [("x", "pathname", "/tickets"), ("_pages_location", "search", ""), ("_pages_location", "pathname", "/portal")],
    # the right ids in the wrong order
    [("_pages_location", "search", "/tickets"), ("_pages_location", "pathname", "/portal")],
    # an extra input after the expected two
    [("_pages_location", "pathname", "/portal"), ("_pages_location", "search", ""), ("x", "value", "/tickets")],
    # paths that only start like the portal's
    [("_pages_location", "pathname", "/portal/../tickets"), ("_pages_location", "search", "")],
    [("_pages_location", "pathname", "/portalx"), ("_pages_location", "search", "")],
    [("_pages_location", "pathname", ["/portal"]), ("_pages_location", "search", "")],
])
def test_forged_page_render_is_refused(world, inputs):
    boris = client_as(world, world["boris"])
    res = callback(boris, PAGE, inputs)
    assert res.status_code == 401
    assert "tickets-grid" not in res.text


def test_page_render_with_state_is_refused(world):
    boris = client_as(world, world["boris"])
    res = callback(boris, PAGE, [("_pages_location", "pathname", "/portal"), ("_pages_location", "search", "")],
                   [("tickets-filter", "data", {})])
    assert res.status_code == 401


def test_the_real_portal_page_still_renders(world):
    boris = client_as(world, world["boris"])
    assert render(boris, "/portal").status_code == 200
    assert render(boris, f"/portal/request/{world['number']}").status_code == 200
