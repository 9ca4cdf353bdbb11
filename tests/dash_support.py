"""Helpers for testing pages without a browser: sign a user in for a request, read what a layout or callback
rendered, and run a callback over HTTP as dash-renderer does (for callbacks that read `ctx`)."""
from __future__ import annotations

import json
from contextlib import contextmanager

from flask_login import login_user
from plotly.utils import PlotlyJSONEncoder


@contextmanager
def signed_in(server, user):
    """A request by this user: `current_user`, the locale and `_()` work as in the app.
    `@callback` hands the function back unchanged, so a callback is called like any function in here."""
    with server.test_request_context("/"):
        login_user(user)
        yield


def load_user(user_id: int):
    """The user as the app loads it for a request (detached, usable after its session ended); the
    session-version check of a real cookie is the sign-in tests' business, not these."""
    from data.db import read_session
    from data.identity.accounts import active_user
    with read_session() as s:
        user = active_user(s, user_id)
        s.expunge(user)
        return user


def plain(component):
    """Dash components as the JSON the browser receives."""
    return json.loads(json.dumps(component, cls=PlotlyJSONEncoder))


def prop(component, cid, name: str):
    """A property of the rendered component with this id (what the browser would show); None if absent."""
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("props"), dict) and node["props"].get("id") == cid:
                return node["props"].get(name)
            return next((r for r in map(walk, node.values()) if r is not None), None)
        if isinstance(node, list):
            return next((r for r in map(walk, node) if r is not None), None)
        return None
    return walk(plain(component))


def callback_key(output_part: str) -> str:
    """The registered callback whose output string contains this part (e.g. "prio-id.data@")."""
    import dash
    keys = [k for k in dash.get_app().callback_map if output_part in k]
    assert len(keys) == 1, keys
    return keys[0]


def _prop_id(cid, prop_name: str) -> str:
    return (json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else cid) + "." + prop_name


def post_callback(client, key: str, outputs: list, inputs: list, changed: tuple, states: list = ()):
    """POST one callback as the browser would. `outputs`/`inputs`/`states` hold {"id", "property"[, "value"]}
    dicts, or lists of them for ALL patterns; `changed` is the (id, property) that was clicked or edited."""
    token = client.get_cookie("_csrf_token").value
    body = {"output": key, "outputs": outputs, "inputs": inputs, "state": list(states),
            "changedPropIds": [_prop_id(*changed)]}
    response = client.post("/_dash-update-component", data=json.dumps(body),
                           headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    return response.get_json() if response.status_code == 200 else None


def sign_in(client, email: str, password: str) -> None:
    """Staff sign-in through the login form (it sets the session and the CSRF cookie)."""
    import re
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
