"""The load benchmark's short form (`python -m bench.load --short`), run in CI: two low rates of the
mixed traffic through the signed webhooks against PostgreSQL and Redis, two web processes and an
outbox worker, then the PTB baseline. Not a timing test (figures belong in docs/benchmarks.md, from
`make bench`): it checks that under load nothing is lost and nothing fails. Every lapor kematian
whose last message was answered is in the database, no turn failed, every request got a 2xx, and
every status callback the fake Twilio posted was accepted.

It needs Debian's `wrk`, which .ci/run installs; without it the test skips locally (fails in CI).
Its Redis is this worker's own (TEST_REDIS_URL's database, per xdist worker), flushed by the run."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, PG_URL, REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        if IN_CI:
            pytest.fail("wrk is required in CI: .ci/run installs Debian's package `wrk` when it is missing")
        pytest.skip("wrk is not installed: install Debian's package `wrk` (.ci/run does)")
    if not (PG_URL and REDIS_URL):  # the run makes its own database on the PostgreSQL CI uses
        if IN_CI:
            pytest.fail("the load run needs PostgreSQL and Redis")
        pytest.skip("the load run needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)")
    return found


def test_short_load_run_loses_nothing(wrk, tmp_path):
    out = tmp_path / "levels.json"
    run = subprocess.run([sys.executable, "-m", "bench.load", "--short", "--json", str(out), "--redis", REDIS_URL],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    levels = json.loads(out.read_text())
    ours = [lv for lv in levels if lv["system"] == "ours"]
    baseline = [lv for lv in levels if lv["system"] == "baseline"]
    assert len(ours) == 2 and len(baseline) == 2
    for lv in levels:
        assert lv["answered"] > 0 and lv["bad"] == 0 and lv["socket_errors"] == 0 and lv["exhausted"] == 0
    # the work really happened: reports were filed through the whole flow, WhatsApp replies went out
    # and came back as callbacks, and every one of them is accounted for
    assert sum(lv["reports_expected"] for lv in ours) > 0
    for lv in ours:
        assert lv["reports_stored"] == lv["reports_expected"]
        assert lv["turn_errors"] == 0
        assert lv["callbacks"]["callbacks_sent"] > 0
        assert lv["callbacks"]["callbacks_ok"] == lv["callbacks"]["callbacks_sent"]
    # the first level is well under what this machine handles: it keeps up with the offered rate
    assert ours[0]["achieved"] >= 0.9 * ours[0]["offered"]
