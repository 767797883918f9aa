"""Run the test suite in its lanes and print one line per lane with its counts.

    python -m tests.lanes all      # sqlite and mongo side by side, then e2e, then browser
                                   # (what `make test` runs; FIXI_LANES_SERIAL=1: one at a time)
    python -m tests.lanes sqlite   # one lane (sqlite, mongo, e2e or browser), or several
                                   # with commas (sqlite,mongo); extra arguments go to pytest
    python -m tests.lanes migrations-mongo  # makemigrations --check on the MongoDB backend

A lane fails when pytest fails or runs no test at all (pytest's exit code 5).
The mongo lane runs the tests that touch the database (tests/harness.py); the summary
checks it ran exactly the sqlite lane's database tests.

The two database lanes each keep one core busy (the MongoDB emulator runs in the test
process), so on a machine with two cores or more they run at the same time, each into its
log under var/test-results/, printed whole when the lane ends.
"""

import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("FIXI_TEST_RESULTS") or ROOT / "var" / "test-results")

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


PARALLEL = ("sqlite", "mongo")
_print_lock = threading.Lock()


def run_lane(name: str, extra: list[str], *, to_log: bool = False) -> LaneResult:
    title, args = LANES[name]
    header = f"\n==== lane {name}: {title} ===="
    if name == "mongo" and (reason := mongo_unavailable_reason()):
        print(f"{header}\nlane mongo cannot run: {reason}", flush=True)
        return LaneResult(name, exit_code=1, note=reason)
    RESULTS.mkdir(parents=True, exist_ok=True)
    junit = RESULTS / f"{name}.xml"
    junit.unlink(missing_ok=True)
    env = {**os.environ, "FIXI_TEST_LANE": HARNESS_LANE.get(name, name), "FIXI_LANE_NAME": name}
    command = [sys.executable, "-m", "pytest", "-q", f"--junitxml={junit}", *args, *extra]
    if not to_log:
        print(header, flush=True)
        exit_code = subprocess.call(command, cwd=ROOT, env=env)
        return _read_junit(LaneResult(name, exit_code), junit)
    log = RESULTS / f"{name}.log"
    with _print_lock:
        print(
            f"{header}\n(running beside the other database lane; its output follows when it ends)",
            flush=True,
        )
    with log.open("w") as out:
        exit_code = subprocess.call(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    with _print_lock:
        print(f"{header}\n{log.read_text(errors='replace')}", flush=True)
    return _read_junit(LaneResult(name, exit_code), junit)


def run_lanes(names: list[str], extra: list[str]) -> list[LaneResult]:
    side_by_side = (
        all(name in names for name in PARALLEL)
        and (os.cpu_count() or 1) >= 2
        and not os.environ.get("FIXI_LANES_SERIAL")
    )
    results = {}
    if side_by_side:
        threads = [
            threading.Thread(
                target=lambda n=name: results.__setitem__(n, run_lane(n, extra, to_log=True))
            )
            for name in PARALLEL
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for name in names:
        if name not in results:
            results[name] = run_lane(name, extra)
    return [results[name] for name in names]


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
    if (difference := _database_tests_difference(results)) is not None:
        sqlite, mongo = difference
        same = "all" if sqlite == mongo else "NOT all"
        print(
            f"mongo ran {same} of the sqlite lane's {sqlite} tests that touch the database "
            f"({mongo} collected)"
        )


def _database_tests_difference(results: list[LaneResult]) -> tuple[int, int] | None:
    """(database tests the sqlite lane collected, tests the mongo lane collected), when both
    ran; both counted by the harness after deselection, so a module skipped while it is
    collected (it reaches the junit report, not the items) counts on neither side."""
    if not {"sqlite", "mongo"} <= {r.name for r in results}:
        return None
    sqlite, mongo = _collected("sqlite"), _collected("mongo")
    if sqlite is None or mongo is None:
        return None
    return sqlite["database_tests"], mongo["tests"]


def _collected(lane: str) -> dict | None:
    path = RESULTS / f"{lane}-collected.json"
    return json.loads(path.read_text()) if path.exists() else None


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
    names = list(LANES) if which == "all" else which.split(",")
    if any(name not in LANES for name in names):
        print(__doc__)
        return 2
    results = run_lanes(names, argv[1:])
    print_summary(results)
    difference = _database_tests_difference(results)
    database_tests_differ = difference is not None and difference[0] != difference[1]
    return 0 if all(r.ok for r in results) and not database_tests_differ else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
