"""Every server callback of the app, posted over HTTP with hostile values, answers without a 500.

The callbacks come from the app's own callback map (`/_dash-dependencies`, plus Dash's page router): each
is called with every input and state set to one bad value at a time — nulls, wrong types, huge numbers,
NUL bytes, nested objects, other teams' ids — and with a few random mixes, as an admin and as an agent of
team A. A user's browser never sends these; a forger might. Whatever the callback does with them, the
answer is a 2xx or a 4xx, never a 500, never a traceback in the body, and a fault the boundary caught is
shown as a message (web/faults.py).
"""
from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.live_app import Browser
from tests.reliability.live import live_okno

ROUTER = {"output": ".._pages_content.children..._pages_store.data..",
          "inputs": [{"id": "_pages_location", "property": "pathname"},
                     {"id": "_pages_location", "property": "search"}], "state": []}


@pytest.fixture(scope="module")
def okno(tmp_path_factory):
    with live_okno(tmp_path_factory.mktemp("fuzz"), "okno_fuzz", "okno-fuzz") as served:
        yield served


def bad_values(w: dict) -> list:
    return [None, "", "x' OR 1=1 --<script>", -1, 0, 10 ** 20, -(10 ** 20), 1.5, True, [], {}, [1, "a", None],
            {"a": {"b": [None]}}, "\x00nul", "9" * 400, w["board_b"], w["ticket_b"], w["number_b"], w["item_b"],
            {"ticket": w["ticket_b"], "version": 1, "column": w["done_b"]}]


def _concrete(cid: str, value):
    """A component id from the map; a pattern id's wildcards replaced by `value` (an id as the browser sends)."""
    if not cid.startswith("{"):
        return cid, False
    pattern = json.loads(cid)
    many = any(v == ["ALL"] or v == ["ALLSMALLER"] for v in pattern.values())
    key = value if isinstance(value, (int, str)) and not isinstance(value, bool) else 1
    return {k: (key if isinstance(v, list) else v) for k, v in pattern.items()}, many


def _entries(specs: list[dict], value) -> list:
    out = []
    for spec in specs:
        cid, many = _concrete(spec["id"], value)
        entry = {"id": cid, "property": spec["property"], "value": value}
        out.append([entry] if many else entry)
    return out


def _outputs(output: str) -> list | dict:
    """As the renderer sends them: a list for a multi-output callback, one entry for a single output."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out: list = []
    for part in parts:
        cid, prop = part.split("@")[0].rsplit(".", 1)
        concrete, many = _concrete(cid, 1)
        out.append([{"id": concrete, "property": prop}] if many else {"id": concrete, "property": prop})
    return out if output.startswith("..") else out[0]


def body(spec: dict, values: list) -> dict:
    """The request dash-renderer would send for `spec`, each input and state taking the next of `values`."""
    inputs = [e for i, s in enumerate(spec["inputs"]) for e in _entries([s], values[i % len(values)])]
    states = [e for i, s in enumerate(spec["state"]) for e in _entries([s], values[(i + 1) % len(values)])]
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    cid = json.dumps(first["id"], sort_keys=True, separators=(",", ":")) if isinstance(first["id"], dict) \
        else first["id"]
    return {"output": spec["output"], "outputs": _outputs(spec["output"]), "inputs": inputs, "state": states,
            "changedPropIds": [f"{cid}.{first['property']}"]}


def server_callbacks(browser: Browser) -> list[dict]:
    specs = [s for s in browser.dependencies() if not s.get("clientside_function") and s["inputs"]]
    return specs + [ROUTER]


def fuzz(browser: Browser, values: list, mixes: int, rnd: random.Random) -> tuple[list, int]:
    """(failures, requests sent) over every server callback; four requests in flight at a time."""
    cases = [(spec, case) for spec in server_callbacks(browser)
             for case in [[v] for v in values] + [rnd.sample(values, 4) for _n in range(mixes)]]

    def send(spec_case):
        spec, case = spec_case
        response = browser.callback(body(spec, case))
        text = response.text
        if response.status_code >= 500 or "Traceback" in text or 'File "' in text:
            return spec["output"][:80], repr(case)[:80], response.status_code, text[:200]
        return None

    with ThreadPoolExecutor(4) as pool:
        failures = [f for f in pool.map(send, cases) if f]
    return failures, len(cases)


@pytest.mark.parametrize("who", ["admin", "agent_a"])
def test_every_callback_survives_hostile_values(okno, who):
    base, w, _url, log = okno
    browser = Browser(base, w[who], w["password"])
    values = bad_values(w)
    if who == "agent_a":  # the agent: the other team's ids and the worst types only
        values = values[-6:] + [None, 10 ** 20, {"a": {"b": [None]}}, "\x00nul"]
    try:
        failures, sent = fuzz(browser, values, 2 if who == "admin" else 0, random.Random(18))
    finally:
        browser.close()
    assert sent > 500
    assert not failures, f"{len(failures)} of {sent} answers failed:\n" + "\n".join(map(str, failures[:20]))
    # Every error in the log is one the user was shown, with its id (the traceback follows that line).
    errors = [line for line in log.read_text().splitlines() if " ERROR " in line]
    assert all(" unexpected error " in line for line in errors), [e for e in errors if "unexpected" not in e][:5]


def test_a_fault_is_shown_with_an_id_the_log_also_has(okno):
    """A failure the code did not foresee reads "Something went wrong. Error id: …" in the page, in the
    viewer's language, and the same id is on the log line with the traceback."""
    base, w, _url, log = okno
    browser = Browser(base, w["admin"], w["password"], lang="ru")
    try:
        # Dash's own page router, given a number where the URL's query string belongs, fails inside Dash.
        answer = browser.callback(body(ROUTER, ["/board", 5]))
    finally:
        browser.close()
    assert answer.status_code == 200
    assert set(answer.json()["response"]) == {"okno-fault"}  # the page itself is left as it was
    fault = answer.json()["response"]["okno-fault"]
    assert fault["is_open"] is True and fault["color"] == "danger"
    assert fault["children"].startswith("Что-то пошло не так. Код ошибки: ")
    ref = fault["children"].rsplit(" ", 1)[-1]
    assert len(ref) == 6 and f"unexpected error {ref} " in log.read_text()


def test_a_request_dash_cannot_read_is_a_400(okno):
    base, w, _url, _log = okno
    browser = Browser(base, w["agent_a"], w["password"])
    try:
        for raw in ({"output": "no-such.children", "inputs": [], "state": []}, {"inputs": 5}, [1, 2], "null",
                    {"output": ".._pages_content.children..._pages_store.data..", "inputs": [{"id": 1}]}):
            response = browser.http.post("/_dash-update-component", content=json.dumps(raw),
                                         headers={"Content-Type": "application/json",
                                                  "X-CSRFToken": browser.http.cookies.get("_csrf_token", "")})
            assert response.status_code == 400, (raw, response.status_code, response.text[:200])
            assert response.json()["error"]
        not_json = browser.http.post("/_dash-update-component", content=b"{not json",
                                     headers={"Content-Type": "application/json",
                                              "X-CSRFToken": browser.http.cookies.get("_csrf_token", "")})
        assert not_json.status_code == 400 and "Traceback" not in not_json.text
    finally:
        browser.close()
