"""The offline dispatcher against the labelled messages: the acceptance goals, overall and
for every language with enough labelled messages (bench.dispatch_accuracy.GOALS).

The figures and every miss are printed (`pytest -s`, or `-rP`) and attached to a failure;
`python -m bench.dispatch_accuracy --misses` prints the same report.
"""

from collections import Counter

import pytest

from bench.dispatch_accuracy import (
    GOALS,
    LABELLED,
    MIN_PER_LANGUAGE,
    Report,
    evaluate,
    format_report,
    load_labelled,
)

MIN_MESSAGES = 170
LANGUAGES = Counter(row["language"] for row in load_labelled())
HELD = sorted(language for language, n in LANGUAGES.items() if n >= MIN_PER_LANGUAGE)


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
    # Arabic and Russian lines may join; among Hebrew and English, Hebrew keeps its share.
    hebrew = LANGUAGES["he"] / (LANGUAGES["he"] + LANGUAGES["en"])

    assert len(rows) >= MIN_MESSAGES, LABELLED
    assert 0.55 <= hebrew <= 0.65
    assert LANGUAGES.most_common(1)[0][0] == "he"
    assert {row["issue_type"] for row in rows} == {
        "plumbing", "electrical", "hvac", "appliances", "locksmith", "handyman", "sealing", "other",
    }  # fmt: skip


def test_hebrew_and_english_are_held_to_the_goals():
    assert {"he", "en"} <= set(HELD), LANGUAGES


def test_city_accuracy(report):
    assert report.accuracy("city") >= GOALS["city"]


def test_issue_type_accuracy(report):
    assert report.accuracy("issue_type") >= GOALS["issue_type"]


@pytest.mark.parametrize("language", HELD)
def test_each_language_meets_the_goals(report, language):
    assert report.below_goals(language) == {}, f"{language}: {report.below_goals(language)}"


def test_a_language_is_judged_only_with_enough_messages():
    few, enough = MIN_PER_LANGUAGE - 1, MIN_PER_LANGUAGE
    report = Report(count=Counter({"all": few + enough, "ar": few, "ru": enough}))
    report.right.update({("city", "ru"): enough, ("issue_type", "ru"): int(enough * 0.8)})

    assert not report.held_to_goals("ar")
    assert report.held_to_goals("ru")
    assert report.below_goals("ru") == {"issue_type": pytest.approx(0.8, abs=0.04)}
    assert "ru" in format_report(report, misses=False)
    assert report.as_json()["goals_met"] == {"all": False, "ar": None, "ru": False}
