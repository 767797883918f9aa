"""The load test's small run: `python -m bench.load` with 20 customers, on the lane's Redis.

The same code as the full benchmark (gunicorn, two workers, beat, the fakes, one worker
killed and restarted mid-run), in its own SQLite file; the lane's own worker, if one is
running, stops taking tasks meanwhile, so that it cannot take the run's.
"""

import contextlib
import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, require_e2e_lane

pytestmark = [pytest.mark.e2e]

INVARIANTS = (
    "lost",
    "processed_twice",
    "duplicate_sends",
    "double_booked",
    "over_cap",
    "without_events",
)
CUSTOMERS = 20


@contextlib.contextmanager
def lane_workers_paused():
    from fixi.celery import app

    others = [name for reply in app.control.ping(timeout=0.5) for name in reply]
    if others:
        app.control.cancel_consumer("celery", destination=others, reply=True)
    try:
        yield
    finally:
        if others:
            app.control.add_consumer("celery", destination=others, reply=True)


def test_twenty_customers_through_whole_conversations_lose_nothing(tmp_path):
    require_e2e_lane()
    command = [
        *(sys.executable, "-m", "bench.load", "--customers", str(CUSTOMERS)),
        *("--seconds", "40", "--window", "1", "--kill-at", "0.3"),
        *("--recovery-every", "5", "--drain", "45", "--json"),
        *("--database", str(tmp_path / "load.sqlite3")),
    ]
    env = {**os.environ, "REDIS_URL": os.environ["CELERY_BROKER_URL"]}
    with lane_workers_paused():
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
        )
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    broken = {name: result[name] for name in INVARIANTS if result[name]}
    assert not broken, json.dumps(result["details"], ensure_ascii=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert result["customers"] == CUSTOMERS
    assert result["customers_replied"] == CUSTOMERS
    assert result["turns"] >= CUSTOMERS and result["program_errors"] == 0
    assert result["kill"]["processes"] >= 2  # the worker and its pool, killed mid-run
    assert result["details"]["lost"]["accepted"] > CUSTOMERS * 3
