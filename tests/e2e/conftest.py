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


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    if LANE != "e2e":
        pytest.skip("runs in the e2e lane: FIXI_TEST_LANE=e2e (python -m tests.lanes e2e)")
    broker = os.environ["CELERY_BROKER_URL"]
    if not _redis_answers(broker):
        pytest.skip(f"no Redis server answers at {broker} (set REDIS_URL to run this lane)")

    from fixi.celery import app

    app.control.purge()
    log_path = ROOT / "var" / "test-e2e-worker.log"
    log = log_path.open("w")
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
        env=os.environ.copy(),
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
