"""Early pytest plugin (loaded with `-p tests.harness` before Django is configured).

It makes every run hermetic: settings come from here, not from a developer's `.env`;
external services are unset so nothing can reach Green API or Gemini; and the lane
chosen by FIXI_TEST_LANE picks the database and broker:

- `sqlite` (default): an in-memory SQLite test database, the embedded broker.
- `mongo`: django-mongodb-backend against a mongoeco wire server on a loopback port
  (see tests/mongo_wire.py for the emulator and its bridges).
- `e2e`: a SQLite file shared with a real Celery worker, Redis as the broker.
"""

import os
import tempfile
from pathlib import Path

import pytest

LANE = os.environ.get("FIXI_TEST_LANE", "sqlite")
ROOT = Path(__file__).resolve().parent.parent

HERMETIC_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "tests-only-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "GREEN_API_URL": "http://127.0.0.1:9",
    "GREEN_API_MEDIA_URL": "http://127.0.0.1:9",
    "GREEN_API_ID": "",
    "GREEN_API_TOKEN": "",
    "GREEN_API_WEBHOOK_TOKEN": "",
    "GEMINI_API_KEY": "",
    "GEMINI_BASE_URL": "",
    "CLOUDINARY_URL": "",
    "ADMIN_WHATSAPP": "",
    "TIME_ZONE": "Asia/Jerusalem",
    "LOG_LEVEL": "WARNING",
}

_mongo_server = None


def _configure_environment() -> None:
    for name, value in HERMETIC_ENV.items():
        os.environ[name] = value
    os.environ["DATABASE_URL"] = "sqlite:///" + str(ROOT / "var" / "test-unused.sqlite3")
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    if LANE == "mongo":
        global _mongo_server
        from tests.mongo_wire import MongoWireServer

        _mongo_server = MongoWireServer(Path(tempfile.mkdtemp(prefix="fixi-mongo-")))
        os.environ["DATABASE_URL"] = _mongo_server.start() + "fixi"
    elif LANE == "e2e":
        os.environ["DATABASE_URL"] = "sqlite:///" + str(e2e_database_path())
        os.environ["CELERY_BROKER_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    elif LANE != "sqlite":
        raise pytest.UsageError(f"FIXI_TEST_LANE={LANE!r}: use sqlite, mongo or e2e")


def e2e_database_path() -> Path:
    path = ROOT / "var" / "test-e2e.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    _configure_environment()


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    if LANE == "e2e":
        # The worker runs in another process, so the test database must be a file both
        # open; in-memory SQLite would be private to this process.
        from django.conf import settings

        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(e2e_database_path())


def pytest_report_header(config):
    return f"fixi test lane: {LANE} (database {os.environ['DATABASE_URL'].split(':')[0]})"


def pytest_unconfigure(config):
    if _mongo_server is not None:
        _mongo_server.stop()
