"""Early pytest plugin (loaded with `-p tests.harness` before Django is configured).

It makes every run hermetic: settings come from here, not from a developer's `.env`;
external services are unset so nothing can reach Green API or Gemini; and the lane
chosen by FIXI_TEST_LANE picks the database and broker:

- `sqlite` (default): an in-memory SQLite test database, the embedded broker.
- `mongo`: django-mongodb-backend against a mongoeco wire server on a loopback port
  (see tests/mongo_wire.py for the emulator and its bridges); only the tests that touch
  the database (the others are the same on both lanes).
- `e2e`: a SQLite file shared with a real Celery worker, Redis as the broker.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest

LANE = os.environ.get("FIXI_TEST_LANE", "sqlite")
ROOT = Path(__file__).resolve().parent.parent
# Where each lane's counts go, beside its junit report (FIXI_TEST_RESULTS moves both, so
# two runs on one machine keep apart).
RESULTS = Path(os.environ.get("FIXI_TEST_RESULTS") or ROOT / "var" / "test-results")

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
    # The original deployment's names, read as aliases (fixi/settings.py, ensure_admin).
    "MONGO_URI": "",
    "CLOUDINARY_CLOUD_NAME": "",
    "CLOUDINARY_API_KEY": "",
    "CLOUDINARY_API_SECRET": "",
    "ADMIN_PASSWORD": "",
    "TIME_ZONE": "Asia/Jerusalem",
    "LOG_LEVEL": "WARNING",
    # Each message is its own turn unless a test sets a quiet window (tests/leads/test_turns.py);
    # the end-to-end lane runs real workers with a short one.
    "QUIET_WINDOW_SECONDS": "0",
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

        _mongo_server = MongoWireServer(in_memory=True).start()
        os.environ["DATABASE_URL"] = _mongo_server.uri + "fixi"
    elif LANE == "e2e":
        os.environ["DATABASE_URL"] = "sqlite:///" + str(e2e_database_path())
        os.environ["CELERY_BROKER_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        os.environ["QUIET_WINDOW_SECONDS"] = "1"
    elif LANE != "sqlite":
        raise pytest.UsageError(f"FIXI_TEST_LANE={LANE!r}: use sqlite, mongo or e2e")


def e2e_database_path() -> Path:
    # FIXI_E2E_DATABASE lets two e2e runs on one machine keep apart (each with its own
    # REDIS_URL database as well).
    path = Path(os.environ.get("FIXI_E2E_DATABASE") or ROOT / "var" / "test-e2e.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    _configure_environment()


def _fast_mongo_flush() -> None:
    """Speed, not behaviour: MongoDB has no test transactions, so every test ends in a
    flush. Django's flush then re-inserts every content type and permission through the
    post_migrate signal, which costs about 1.5 s a test on the emulator. Keeping those two
    reference collections (rows are never deleted by tests) and skipping the re-insert
    brings a flush to about 0.15 s.
    """
    from django.core.management.commands import flush
    from django_mongodb_backend.operations import DatabaseOperations

    keep = {"django_content_type", "auth_permission"}
    sql_flush = DatabaseOperations.sql_flush
    handle = flush.Command.handle

    def sql_flush_keeping_reference_data(self, style, tables, **kwargs):
        return [t for t in sql_flush(self, style, tables, **kwargs) if t not in keep]

    def handle_without_post_migrate(self, **options):
        return handle(self, **{**options, "inhibit_post_migrate": True})

    DatabaseOperations.sql_flush = sql_flush_keeping_reference_data
    flush.Command.handle = handle_without_post_migrate


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from django.conf import settings

    # Production's manifest storage needs `collectstatic` first; pages under test only
    # need the URLs.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    if LANE != "e2e":
        # A private embedded broker and media folder: a developer's running worker must
        # never pick up what the tests enqueue.
        scratch = Path(tempfile.mkdtemp(prefix="fixi-tests-"))
        queue = scratch / "broker"
        queue.mkdir()
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(scratch / "control"),
        }
        settings.BROKER_QUEUE_DIR = queue
        settings.MEDIA_ROOT = scratch / "media"
    if LANE == "mongo":
        _fast_mongo_flush()
    if LANE == "e2e":
        # The worker runs in another process, so the test database must be a file both
        # open; in-memory SQLite would be private to this process.
        from django.conf import settings

        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(e2e_database_path())


# A test without one of these (or the django_db mark) cannot touch the database:
# pytest-django refuses it. Such a test proves nothing more the second time, so the
# MongoDB lane runs only the tests that do touch the database.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def uses_database(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & fixtures)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # trylast: after `-m` and `-k` have deselected theirs, so the counts are of what runs.
    database_tests = [item for item in items if uses_database(item)]
    if LANE == "mongo" and len(database_tests) < len(items):
        kept = set(map(id, database_tests))
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in kept])
        items[:] = database_tests
    counts = {"tests": len(items), "database_tests": len(database_tests)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    lane = os.environ.get("FIXI_LANE_NAME", LANE)  # the browser lane runs on sqlite's harness
    (RESULTS / f"{lane}-collected.json").write_text(json.dumps(counts))


def pytest_runtest_setup(item):
    # Each test starts from its own database, so no settings row read by an earlier test
    # may be served from the process's cache (fixi.models.Singleton).
    from fixi.models import Singleton

    Singleton.forget_all()


def pytest_report_header(config):
    return f"fixi test lane: {LANE} (database {os.environ['DATABASE_URL'].split(':')[0]})"


def pytest_unconfigure(config):
    if _mongo_server is not None:
        _mongo_server.stop()
