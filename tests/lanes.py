"""Run the test suite in its lanes and print one line per lane with its counts.

    python -m tests.lanes all      # sqlite, mongo, e2e, browser (what `make test` runs)
    python -m tests.lanes sqlite   # one lane (sqlite, mongo, e2e or browser); extra
                                   # arguments go to pytest
    python -m tests.lanes migrations-mongo  # makemigrations --check on the MongoDB backend

A lane fails when pytest fails or runs no test at all (pytest's exit code 5).
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "test-results"

NOT_IN_SUITE = "not e2e and not browser"
LANES = {
    "sqlite": ("SQLite, embedded broker", ["-m", NOT_IN_SUITE]),
    "mongo": ("MongoDB backend on the mongoeco wire server", ["-m", NOT_IN_SUITE]),
    "e2e": ("end to end: real Celery worker on Redis", ["-m", "e2e", "tests/e2e"]),
    "browser": (
        "admin in a real browser: Playwright + Chromium",
        ["-m", "browser", "tests/browser"],
    ),
}
# The browser lane runs on the SQLite lane's settings; tests/browser/conftest.py moves its
# test database to a file, which the live server's threads open for themselves.
HARNESS_LANE = {"browser": "sqlite"}


@dataclass
class LaneResult:
    name: str
    exit_code: int
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    note: str = ""

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def ok(self) -> bool:
        # Skips are fine (the e2e lane skips without Redis); running nothing is not.
        return self.exit_code == 0 and self.tests > 0


def mongo_unavailable_reason() -> str:
    if sys.version_info < (3, 13):
        return (
            f"mongoeco needs Python 3.13 (this is {sys.version.split()[0]}); run `make clean setup`"
        )
    try:
        import mongoeco.wire  # noqa: F401
    except ImportError as error:
        return f"mongoeco[wire] is not installed ({error})"
    return ""


def run_lane(name: str, extra: list[str]) -> LaneResult:
    title, args = LANES[name]
    print(f"\n==== lane {name}: {title} ====", flush=True)
    if name == "mongo" and (reason := mongo_unavailable_reason()):
        print(f"lane mongo cannot run: {reason}")
        return LaneResult(name, exit_code=1, note=reason)
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"{name}.xml"
    env = {**os.environ, "FIXI_TEST_LANE": HARNESS_LANE.get(name, name)}
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={junit}", *args, *extra]
    exit_code = subprocess.call(command, cwd=ROOT, env=env)
    return _read_junit(LaneResult(name, exit_code), junit)


def _read_junit(result: LaneResult, junit: Path) -> LaneResult:
    if not junit.exists():
        return result
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    for field in ("tests", "failures", "errors", "skipped"):
        setattr(result, field, int(suite.get(field, 0)))
    return result


def print_summary(results: list[LaneResult]) -> None:
    print("\n==== lanes ====")
    for r in results:
        verdict = "ok" if r.ok else ("FAILED: no tests ran" if r.exit_code in (0, 5) else "FAILED")
        print(
            f"lane {r.name:<7} {r.passed:>4} passed, {r.failures + r.errors} failed, "
            f"{r.skipped} skipped  [{verdict}]{'  ' + r.note if r.note else ''}"
        )
    counts = {r.name: r.tests for r in results if r.name in ("sqlite", "mongo")}
    if len(counts) == 2:
        same = "the same" if len(set(counts.values())) == 1 else "DIFFERENT"
        print(f"sqlite and mongo collected {same} number of tests: {counts}")


def migrations_check_on_mongo() -> int:
    if reason := mongo_unavailable_reason():
        print(f"makemigrations --check on MongoDB cannot run: {reason}")
        return 1
    from tests.mongo_wire import MongoWireServer

    server = MongoWireServer(in_memory=True).start()
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": server.uri + "fixi"}
    try:
        command = [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"]
        return subprocess.call(command, cwd=ROOT, env=env)
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "all"
    if which == "migrations-mongo":
        return migrations_check_on_mongo()
    names = list(LANES) if which == "all" else [which]
    if any(name not in LANES for name in names):
        print(__doc__)
        return 2
    results = [run_lane(name, argv[1:]) for name in names]
    print_summary(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
