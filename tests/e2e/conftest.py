"""A real Celery worker, in its own process, on Redis, sharing the test database file."""

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

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


def require_e2e_lane() -> None:
    if LANE != "e2e":
        pytest.skip("runs in the e2e lane: FIXI_TEST_LANE=e2e (python -m tests.lanes e2e)")
    broker = os.environ["CELERY_BROKER_URL"]
    if not _redis_answers(broker):
        pytest.skip(f"no Redis server answers at {broker} (set REDIS_URL to run this lane)")


def green_api_env(fake) -> dict:
    return {
        "GREEN_API_URL": fake.url,
        "GREEN_API_MEDIA_URL": fake.url,
        "GREEN_API_ID": fake.instance_id,
        "GREEN_API_TOKEN": fake.token,
        "GREEN_API_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
    }


@contextlib.contextmanager
def process(name: str, command: list[str], env: dict | None = None):
    """A child process of the project (worker, beat, web server) with its log under var/;
    stopped, killed if it must be, when the block ends."""
    log_path = ROOT / "var" / f"test-e2e-{name}.log"
    with log_path.open("w") as log:
        child = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        child.log_path = log_path
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def worker_command(hostname: str, concurrency: int = 2) -> list[str]:
    return [
        sys.executable,
        *("-m", "celery", "-A", "fixi", "worker", "--loglevel", "INFO"),
        *("--concurrency", str(concurrency), "--hostname", f"{hostname}@%h"),
        "--without-gossip",
    ]


@contextlib.contextmanager
def celery_worker(name: str, env: dict, concurrency: int = 2):
    """A real worker; ready (answers a ping) when the block starts."""
    from fixi.celery import app

    hostname = f"{name}-{os.getpid()}"
    with process(name, worker_command(hostname, concurrency), env) as worker:

        def answers():
            replies = app.control.ping(timeout=0.5)
            return any(hostname in reply_name for reply in replies for reply_name in reply)

        if not wait_for(answers, timeout=60):
            raise RuntimeError(f"the worker did not start; see {worker.log_path}")
        yield worker


@contextlib.contextmanager
def the_only_worker(name: str, env: dict, concurrency: int = 2):
    """A worker of the test's own (with its own settings, or to be started on purpose);
    workers already running stop taking tasks from the queue until the block ends."""
    from fixi.celery import app

    others = [name for reply in app.control.ping(timeout=0.5) for name in reply]
    if others:
        app.control.cancel_consumer("celery", destination=others, reply=True)
    try:
        with celery_worker(name, env, concurrency) as worker:
            yield worker
    finally:
        if others:
            app.control.add_consumer("celery", destination=others, reply=True)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, session_green_api):
    require_e2e_lane()
    from fixi.celery import app

    app.control.purge()
    with celery_worker("e2e", green_api_env(session_green_api)) as worker:
        yield worker


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


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def haifa_pros():
    """Two Haifa plumbers (the best first), and pros who must never be asked: one inactive,
    one in Tel Aviv, one electrician; each with a free slot tomorrow at 10:00."""
    from tests.factories import CityFactory, PriceItemFactory, ProFactory, SlotFactory

    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    tel_aviv = CityFactory(slug="tel-aviv", name_he="תל אביב", name_en="Tel Aviv")
    pros = {
        "best": ProFactory(
            name="Yossi Cohen", rating=4.9, review_count=120, trades=["plumbing"], cities=[haifa]
        ),
        "next": ProFactory(
            name="Rina Levi", rating=4.8, review_count=90, trades=["plumbing"], cities=[haifa]
        ),
        "inactive": ProFactory(
            name="Inactive Plumber",
            rating=5.0,
            review_count=300,
            active=False,
            trades=["plumbing"],
            cities=[haifa],
        ),
        "tel_aviv": ProFactory(
            name="Tel Aviv Plumber",
            rating=5.0,
            review_count=300,
            trades=["plumbing"],
            cities=[tel_aviv],
        ),
        "electrician": ProFactory(
            name="Haifa Electrician",
            rating=5.0,
            review_count=300,
            trades=["electrical"],
            cities=[haifa],
        ),
    }
    for pro in pros.values():
        start = tomorrow_at(10)
        SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))
    PriceItemFactory(pro=pros["next"], service="Service call", price=Decimal("240"))
    return pros
