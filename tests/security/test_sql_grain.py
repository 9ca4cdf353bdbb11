"""The analytics grain reaches SQL only through a fixed mapping, also under `python -O` (no `assert`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from data.errors import ValidationError
from data.metrics import flow
from data.metrics.filters import parse
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
EVIL = "week'); drop table tickets; --"


@pytest.mark.parametrize("grain", [EVIL, "WEEK", "year", "", None, ["week"]])
def test_flow_charts_refuse_a_grain_outside_the_mapping(session, grain):
    analyst = factories.user(session, "analyst")
    f, _ = parse({})
    for chart in (flow.throughput, flow.created_resolved):
        with pytest.raises(ValidationError) as err:
            chart(session, analyst, f, grain)
        assert err.value.key == "errors.bad_grain" and "grain" in err.value.fields
    assert session.execute(text("SELECT to_regclass('tickets')")).scalar() is not None


def test_known_grains_still_chart(session):
    analyst = factories.user(session, "analyst")
    f, _ = parse({})
    for grain in ("day", "week", "month"):
        assert flow.throughput(session, analyst, f, grain)


def test_grain_is_refused_under_python_O():
    """`python -O` strips assert statements: the check must not be one."""
    script = ("import sys\n"
              "from data.errors import ValidationError\n"
              "from data.metrics.sql import buckets, bucket_of\n"
              "assert False, 'asserts are on'\n"
              f"for build in (buckets, lambda g: bucket_of('t.created_at', g)):\n"
              "    try:\n"
              f"        sql = build({EVIL!r})\n"
              "    except ValidationError:\n"
              "        continue\n"
              "    print('accepted:', sql); sys.exit(1)\n"
              "print('refused')\n")
    done = subprocess.run([sys.executable, "-O", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "refused"


def test_forged_grain_in_the_chart_callback_shows_a_message(app):
    from components.charts import flow as flow_chart
    from data.db import read_session
    with app.test_request_context(), read_session() as s:
        analyst = factories.user(s, "analyst")
        fig, rows = flow_chart.throughput(s, analyst, parse({})[0], EVIL)
    assert rows == [] and "день, неделю или месяц" in str(fig.to_plotly_json())  # Russian: the default UI language
