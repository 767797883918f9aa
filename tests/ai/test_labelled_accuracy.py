"""The offline dispatcher against the labelled messages: the issue's acceptance thresholds.

The figures and every miss are printed (`pytest -s`, or `-rP`) and attached to a failure;
`python -m bench.dispatch_accuracy --misses` prints the same report.
"""

import pytest

from bench.dispatch_accuracy import LABELLED, evaluate, format_report, load_labelled

CITY_THRESHOLD = 0.95
ISSUE_TYPE_THRESHOLD = 0.90
MIN_MESSAGES = 170


@pytest.fixture(scope="module")
def report():
    return evaluate(load_labelled())


@pytest.fixture(autouse=True)
def show(report, request):
    text = format_report(report)
    request.node.add_report_section("call", "dispatch accuracy", text)
    print("\n" + text)


def test_the_set_is_big_and_mostly_hebrew():
    rows = load_labelled()
    hebrew = sum(row["language"] == "he" for row in rows) / len(rows)

    assert len(rows) >= MIN_MESSAGES, LABELLED
    assert 0.55 <= hebrew <= 0.65
    assert {row["issue_type"] for row in rows} == {
        "plumbing", "electrical", "hvac", "appliances", "locksmith", "handyman", "sealing", "other",
    }  # fmt: skip


def test_city_accuracy(report):
    assert report.accuracy("city") >= CITY_THRESHOLD


def test_issue_type_accuracy(report):
    assert report.accuracy("issue_type") >= ISSUE_TYPE_THRESHOLD
