"""A real Celery worker, in its own process, on Redis, sharing the test database file."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.harness import LANE

ROOT = Path(__file__).resolve().parents[2]


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()


WEBHOOK_TOKEN = "e2e-webhook-token"


@pytest.fixture(scope="session")
def session_green_api():
    """One fake Green API for the whole lane: the worker process is pointed at it."""
    from tests.fakes.green_api import FakeGreenApi

    with FakeGreenApi() as fake:
        yield fake


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, session_green_api):
    if LANE != "e2e":
        pytest.skip("runs in the e2e lane: FIXI_TEST_LANE=e2e (python -m tests.lanes e2e)")
    broker = os.environ["CELERY_BROKER_URL"]
    if not _redis_answers(broker):
        pytest.skip(f"no Redis server answers at {broker} (set REDIS_URL to run this lane)")

    from fixi.celery import app

    app.control.purge()
    log_path = ROOT / "var" / "test-e2e-worker.log"
    log = log_path.open("w")
    env = {
        **os.environ,
        "GREEN_API_URL": session_green_api.url,
        "GREEN_API_MEDIA_URL": session_green_api.url,
        "GREEN_API_ID": session_green_api.instance_id,
        "GREEN_API_TOKEN": session_green_api.token,
        "GREEN_API_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "fixi",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--hostname",
            f"e2e-{os.getpid()}@%h",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        if not wait_for(lambda: app.control.ping(timeout=0.5), timeout=60):
            raise RuntimeError(f"the worker did not start; see {log_path}")
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@pytest.fixture
def green_api(session_green_api, settings):
    """The lane's fake Green API, seen the same way by this process and the worker."""
    settings.GREEN_API_URL = session_green_api.url
    settings.GREEN_API_ID = session_green_api.instance_id
    settings.GREEN_API_TOKEN = session_green_api.token
    settings.GREEN_API_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    with session_green_api._lock:
        session_green_api.requests.clear()
    return session_green_api
