"""The admin and the simulator in a real browser: Playwright (sync API) driving Debian's
Chromium against pytest-django's live server. Run with `python -m tests.lanes browser`.

- One Chromium for the whole package; every test gets its own context (cookies, language)
  and page, so tests never see each other's logins.
- The live server answers from its own threads. In-memory SQLite would hand them the test's
  own connection to share; a SQLite file gives every thread a connection of its own. So a
  run that includes these tests (the browser lane, or plain `pytest`) tests on a file.
- Playwright is imported only inside the fixtures, so the SQLite and MongoDB lanes, which
  deselect these tests, never need it.
- Each test leaves a full-page screenshot in var/test-results/screenshots/<test>.png.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("FIXI_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "var" / "test-results" / "screenshots"
# One file per run: two runs in one checkout must not delete each other's database.
DATABASE_FILE = ROOT / "var" / f"test-browser-{os.getpid()}.sqlite3"
TIMEOUT_MS = 10_000
STAFF_PASSWORD = "pw-For-browser-1"

# This machine's network is closed: without these Chromium keeps trying Google's services.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


_SAVED = pytest.StashKey[list]()  # the screenshots of this run, listed at its end


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: the admin in a real browser, Playwright + Chromium (browser lane)"
    )


@pytest.hookimpl(trylast=True)  # after `-m` has deselected what it leaves out
def pytest_collection_modifyitems(session, config, items):
    if any(item.get_closest_marker("browser") for item in items):
        _test_database_in_a_file()


def _test_database_in_a_file() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        DATABASE_FILE.parent.mkdir(parents=True, exist_ok=True)
        database.setdefault("TEST", {})["NAME"] = str(DATABASE_FILE)


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for every browser test."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set FIXI_CHROMIUM")
    from playwright.sync_api import sync_playwright

    args = CHROMIUM_ARGS + (["--no-sandbox"] if os.geteuid() == 0 else [])
    # The sync API keeps an asyncio loop registered as running on this thread, which
    # Django's ORM takes for async code; the tests' own ORM calls are plain sync calls.
    unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=args
            )
            yield browser
            browser.close()
    finally:
        if unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = unsafe


@pytest.fixture(scope="package")
def expect():
    """Playwright's `expect`, waiting up to TIMEOUT_MS for what it asserts."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


@pytest.fixture
def page(request, chromium, live_server):
    """A fresh browser page in English (the manager's browser language decides the admin's
    until they pick one), with a screenshot of where it ended when the test is over."""
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        _screenshot(request, page)
        context.close()  # stops the simulator's polling before the database is flushed


def _screenshot(request, page) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a screenshot must never hide the test's own result
        print(f"browser screenshot failed: {error}")
        return
    print(f"browser screenshot: {path.relative_to(ROOT)}")
    request.node.user_properties.append(("screenshot", str(path.relative_to(ROOT))))
    request.config.stash.setdefault(_SAVED, []).append(path)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    saved = config.stash.get(_SAVED, [])
    if saved:
        terminalreporter.write_sep("-", f"browser screenshots ({len(saved)})")
        for path in saved:
            terminalreporter.write_line(str(path.relative_to(ROOT)))


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser(
        "manager", "manager@example.com", STAFF_PASSWORD
    )


@pytest.fixture
def admin_page(page, staff_user, live_server):
    """A page already logged in as the staff user (a session cookie, not the login form)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(staff_user)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )
    return page
