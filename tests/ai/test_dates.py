"""ai.offline_when: the labelled phrasings, each family of phrasing, and linear time.

The semantics (which day a weekday is, when a day is past or unreadable, the hour rules)
are decided in ai/offline_when.py's docstring; these tests hold the reader to them.
`python -m bench.dispatch_accuracy --misses` prints the same figures as the first tests.
"""

import datetime as dt
import gc
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai.offline_when import read_when
from bench.dispatch_accuracy import LABELLED_DATES, evaluate_dates, format_dates, load_labelled

THRESHOLD = 0.98
MIN_PHRASINGS = 170
MIN_PHRASINGS_AR_RU = 40
SUNDAY = dt.datetime(2026, 12, 6, 10, 0)  # Sunday 6 December 2026, 10:00 in Israel


def read(text: str, now: dt.datetime = SUNDAY) -> tuple:
    """(date, time, time_of_day, problem) in the labels' terms."""
    reading = read_when(text, now.date(), now.time())
    date = reading.date.isoformat() if reading.date else None
    clock = reading.time.strftime("%H:%M") if reading.time else None
    return date, clock, reading.time_of_day, reading.problem


def day(offset: int, now: dt.datetime = SUNDAY) -> str:
    return (now.date() + dt.timedelta(days=offset)).isoformat()


# --- the labelled set ------------------------------------------------------------------


def test_the_set_is_big_varied_and_in_four_languages():
    rows = load_labelled(LABELLED_DATES)
    nows = [dt.datetime.fromisoformat(row["now"]) for row in rows]
    count = Counter(row["language"] for row in rows)
    hebrew = count["he"] / (count["he"] + count["en"])

    assert count["he"] + count["en"] >= MIN_PHRASINGS
    assert 0.55 <= hebrew <= 0.65  # of the Hebrew and English phrasings
    assert count["ar"] >= MIN_PHRASINGS_AR_RU and count["ru"] >= MIN_PHRASINGS_AR_RU
    assert any(now.weekday() == 4 for now in nows)  # a Friday
    assert any(now.weekday() == 5 and now.hour >= 19 for now in nows)  # Saturday night
    assert any((now + dt.timedelta(days=1)).day == 1 for now in nows)  # end of a month
    assert any((now.month, now.day) == (12, 31) for now in nows)  # end of the year
    assert {row["problem"] for row in rows} == {"", "past", "unreadable"}
    assert {row["time_of_day"] for row in rows} == {"", "morning", "afternoon", "evening"}


def test_the_set_is_read_as_labelled():
    report = evaluate_dates(load_labelled(LABELLED_DATES))

    print("\n" + format_dates(report))
    assert report.accuracy() >= THRESHOLD, format_dates(report)
    assert report.accuracy(language="he") >= THRESHOLD, format_dates(report)
    assert report.accuracy(language="en") >= THRESHOLD, format_dates(report)
    assert report.accuracy(language="ar") >= THRESHOLD, format_dates(report)
    assert report.accuracy(language="ru") >= THRESHOLD, format_dates(report)


# --- days written in numbers, with every prefix ----------------------------------------


@pytest.mark.parametrize(
    "text",
    ["ב-8/12", "ב־8/12", "ב 8/12", "ב8/12", "ל-8/12", "ל־8/12", "מ-8/12", "ה-8.12", "8.12",
     "08/12", "8.12.26", "08/12/2026", "on 8/12", "can you come 8/12?"],
)  # fmt: skip
def test_numeric_dates_after_any_prefix(text):
    assert read(text) == ("2026-12-08", None, "", "")


def test_a_numeric_date_with_a_time_is_that_day_not_today():
    assert read("ב-8/12 בשעה 10:00") == ("2026-12-08", "10:00", "", "")
    assert read("Hi, can someone come on 8/12 at 10:00?") == ("2026-12-08", "10:00", "", "")


# --- relative days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("היום", 0), ("מחר", 1), ("למחר", 1), ("מחרתיים", 2), ("מחרתים", 2),
        ("בעוד יומיים", 2), ("בעוד יומים", 2), ("בעוד שלושה ימים", 3), ("בעוד 3 ימים", 3),
        ("בעוד שבוע", 7), ("בעוד שבועיים", 14), ("today", 0), ("tomorrow", 1),
        ("tommorow", 1), ("tmrw", 1), ("the day after tomorrow", 2), ("in two days", 2),
        ("in 3 days", 3), ("in three days", 3), ("in a week", 7), ("in 2 weeks", 14),
        ("two days from now", 2),
    ],
)  # fmt: skip
def test_relative_days(text, offset):
    assert read(text) == (day(offset), None, "", "")


# --- weekdays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("ביום שלישי הקרוב", "2026-12-08"), ("ביום שלישי הבא", "2026-12-08"),
        ("יום ג'", "2026-12-08"), ("ביום ה׳", "2026-12-10"), ("ברביעי", "2026-12-09"),
        ("בשבת", "2026-12-12"), ("ביום ראשון", "2026-12-13"),  # today's weekday: next week
        ("היום, יום ראשון", "2026-12-06"), ("בשבוע הבא ביום שני", "2026-12-14"),
        ("next Tuesday", "2026-12-08"), ("this friday", "2026-12-11"), ("Wed", "2026-12-09"),
        ("on Sunday", "2026-12-13"), ("thrusday", "2026-12-10"),
        ("Monday next week", "2026-12-14"),
    ],
)  # fmt: skip
def test_weekdays(text, date):
    assert read(text) == (date, None, "", "")


# --- a day of the month and month names ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("ב-20 לחודש", "2026-12-20"), ("on the 20th", "2026-12-20"),
        ("17 בדצמבר", "2026-12-17"), ("ב-17 לדצמבר", "2026-12-17"), ("5 בינואר", "2027-01-05"),
        ("December 17th", "2026-12-17"), ("the 8th of December", "2026-12-08"),
        ("Jan 4", "2027-01-04"), ("24 Dec", "2026-12-24"),
    ],
)  # fmt: skip
def test_days_of_the_month_and_month_names(text, date):
    assert read(text) == (date, None, "", "")


# --- hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("December 17th at 8pm", ("2026-12-17", "20:00", "", "")),
        ("מחר 8 p.m.", (day(1), "20:00", "", "")),
        ("מחר בשמונה בערב", (day(1), "20:00", "evening", "")),
        ("מחר בעשר וחצי", (day(1), "10:30", "", "")),
        ("מחר ב-10 וחצי", (day(1), "10:30", "", "")),
        ("מחר רבע לשלוש", (day(1), "14:45", "", "")),
        ("מחר בשעה 17:30", (day(1), "17:30", "", "")),
        ("מחר בשעה 1730", (day(1), "17:30", "", "")),
        ("tomorrow at 1730", (day(1), "17:30", "", "")),
        ("tomorrow at half past ten", (day(1), "10:30", "", "")),
        ("quarter to 9 tomorrow", (day(1), "08:45", "", "")),
        ("tomorrow at noon", (day(1), "12:00", "", "")),
        ("מחר בין 10 ל-12", (day(1), "10:00", "", "")),
        ("ב-12 בלילה", (day(1), "00:00", "evening", "")),  # tonight's midnight
    ],
)
def test_hours(text, expected):
    assert read(text) == expected


@pytest.mark.parametrize(
    ("text", "hour"),
    [("מחר ב-5", "17:00"), ("tomorrow at 7", "19:00"), ("מחר ב-7:30", "19:30"),
     ("מחר ב-8", "08:00"), ("מחר ב-07:30", "07:30"), ("tomorrow at 7am", "07:00"),
     ("מחר ב-7 בבוקר", "07:00"), ("מחר ב-5 אחה\"צ", "17:00")],
)  # fmt: skip
def test_an_hour_from_1_to_7_alone_is_inside_working_hours(text, hour):
    assert read(text)[1] == hour


# --- parts of the day and now ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "part"),
    [
        ("בבוקר", 0, "morning"), ("לפני הצהריים", 0, "morning"), ("אחה\"צ", 0, "afternoon"),
        ("אחרי הצהריים", 0, "afternoon"), ("בצהריים", 0, "afternoon"), ("בערב", 0, "evening"),
        ("לפנות ערב", 0, "evening"), ("מחר בלילה", 1, "evening"), ("במוצאי שבת", 6, "evening"),
        ("in the morning", 0, "morning"), ("this afternoon", 0, "afternoon"),
        ("tonight", 0, "evening"), ("tomorrow evening", 1, "evening"),
    ],
)  # fmt: skip
def test_parts_of_the_day(text, offset, part):
    assert read(text) == (day(offset), None, part, "")


@pytest.mark.parametrize(
    "text",
    ["עכשיו", "תבואו מייד", "בהקדם", "כמה שיותר מהר", "asap", "as soon as possible",
     "right now", "can you come now?"],
)  # fmt: skip
def test_now_is_today(text):
    assert read(text) == (day(0), None, "", "")


def test_an_explicit_day_wins_over_now():
    assert read("אני לא בבית עכשיו, אפשר מחר?") == (day(1), None, "", "")


# --- a time or part of the day with no day at all --------------------------------------


@pytest.mark.parametrize(
    ("text", "offset", "hour"),
    [("at 11", 0, "11:00"), ("at 9", 1, "09:00"), ("ב-5", 0, "17:00"), ("בשעה 10:00", 1, "10:00")],
)  # fmt: skip
def test_a_time_without_a_day_is_today_if_still_ahead_else_tomorrow(text, offset, hour):
    assert read(text) == (day(offset), hour, "", "")


def test_a_part_of_the_day_without_a_day_is_tomorrow_once_it_is_over():
    saturday_night = dt.datetime(2026, 12, 12, 21, 30)

    assert read("בערב", saturday_night) == (day(1, saturday_night), None, "evening", "")
    assert read("tonight", saturday_night) == (day(0, saturday_night), None, "evening", "")


# --- days that are gone or cannot be read ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ב-3/12", (None, None, "", "past")),
        ("ב-3/12 בשעה 10:00", (None, "10:00", "", "past")),
        ("צריך חשמלאי ב-3 בדצמבר", (None, None, "", "past")),
        ("can you come Dec 3rd?", (None, None, "", "past")),
        ("ב-3 לחודש", (None, None, "", "past")),
        ("5/11/2025", (None, None, "", "past")),
        ("אפשר לקבוע לאתמול בערב?", (None, None, "evening", "past")),
        ("can you come yesterday?", (None, None, "", "past")),
        ("today at 9am", (None, "09:00", "", "past")),
        ("היום בשעה 08:30", (None, "08:30", "", "past")),
        ("אפשר ב-32/13?", (None, None, "", "unreadable")),
        ("ב-31/11", (None, None, "", "unreadable")),
        ("12/13 works for me", (None, None, "", "unreadable")),
        ("I'd like to book for the 32nd", (None, None, "", "unreadable")),
        ("ב-45 לחודש", (None, None, "", "unreadable")),
        ("10.12.28", (None, None, "", "unreadable")),  # two years ahead
    ],
)
def test_a_day_gone_or_unreadable_never_becomes_today(text, expected):
    assert read(text) == expected


def test_february_29th_in_a_common_year_is_unreadable():
    january = dt.datetime(2027, 1, 31, 11, 0)

    assert read("ב-29/2", january) == (None, None, "", "unreadable")
    assert read("Feb 29", january) == (None, None, "", "unreadable")


def test_a_readable_day_ahead_wins_over_a_day_gone():
    assert read("הזמנתי ל-1/12 ולא הגעתם, אפשר מחר?") == (day(1), None, "", "")
    assert read("32/13? sorry, I meant 13/12") == ("2026-12-13", None, "", "")


# --- words that tell the story, and numbers that are not dates -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "אתמול התחיל לטפטף מהתקרה", "הדוד לא מחמם מיום שישי", "לפני יומיים נשרף הפחת",
        "שלשום הגיע טכנאי", "יש ריח של שרוף מהשקע מהבוקר", "ביום שני שעבר זה התחיל",
        "ב-5/11/2025 הייתה פה בעיה דומה", "The leak started last Thursday",
        "it broke 3 days ago", "broken since yesterday", "כתובת: רחוב הרצל 12/3",
        "צינור 3/4 צול", "need a 1/2 inch fitting", "נשאר 2/3 מהצינור", "רעש 24/7",
        "התקשרו 050-1234567", "2.5 מטר", "192.168.1.1", "הברז מטפטף כל הלילה",
        "good morning", "I sat down and it broke",
    ],
)  # fmt: skip
def test_no_day_or_time(text):
    assert read(text) == (None, None, "", "")


def test_a_negated_day_gives_way_to_the_next():
    assert read("אני לא יכול מחר, אפשר ביום חמישי?") == ("2026-12-10", None, "", "")
    assert read("Not tomorrow, but Thursday would be great") == ("2026-12-10", None, "", "")


# --- Fridays, Saturday nights, the ends of months and years ----------------------------


@pytest.mark.parametrize(
    ("now", "text", "date"),
    [
        (dt.datetime(2026, 12, 11, 13, 0), "ביום שישי", "2026-12-18"),
        (dt.datetime(2026, 12, 11, 13, 0), "מחר", "2026-12-12"),
        (dt.datetime(2026, 12, 12, 21, 30), "ביום ראשון", "2026-12-13"),
        (dt.datetime(2026, 11, 30, 18, 45), "ב-2 לחודש", "2026-12-02"),
        (dt.datetime(2026, 11, 30, 18, 45), "on the 1st", "2026-12-01"),
        (dt.datetime(2026, 12, 31, 16, 20), "מחר", "2027-01-01"),
        (dt.datetime(2026, 12, 31, 16, 20), "ב-3/1", "2027-01-03"),
        (dt.datetime(2026, 12, 31, 16, 20), "January 2nd", "2027-01-02"),
        (dt.datetime(2026, 12, 31, 16, 20), "in two days", "2027-01-02"),
    ],
)
def test_around_weekends_and_the_turn_of_months_and_years(now, text, date):
    assert read(text, now)[0] == date


# --- linear time -----------------------------------------------------------------------

TRICKY = [
    "ב-", "8/12", "/", ".", "1", "12", ":", "מחר", " ", "   \n\t ", "בשעה ", "at ", "1730",
    "ב", "׳", "'", '"', "-", "־", "יום ", "ג'", "the ", "20th", "on ", "in ", "3 ", "days ",
    "ago ", "בעוד ", "יומיים", "רבע ", "לשלוש", " וחצי", "am", "p.m.", "!", "?", ",", "0",
    "99999", "מאז ", "לא ", "אחה\"צ", "December ", "tomorrow ",
]  # fmt: skip
SMALL, LARGE = 1_000, 100_000


def _grown(seed: str, size: int) -> str:
    return (seed * (size // len(seed) + 1))[:size]


def _seconds(text: str, repeats: int) -> float:
    """The best CPU time of this process for one reading. CPU time, because other
    processes share the machine; the collector paused, because in a full run its passes
    scan the whole suite's heap, which is not the reader's work."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            read_when(text, SUNDAY.date(), SUNDAY.time())
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


def _assert_linear(seed: str) -> None:
    # A floor of half a millisecond: on tiny inputs fixed costs, not growth, decide the time.
    small = max(_seconds(_grown(seed, SMALL), repeats=5), 5e-4)
    large = _seconds(_grown(seed, LARGE), repeats=2)

    assert large < 2.0, f"{LARGE} characters of {seed!r} took {large:.2f} s"
    assert large / small < 300, f"{seed!r}: {small * 1000:.2f} ms → {large * 1000:.0f} ms"


@pytest.mark.parametrize(
    "seed",
    ["ב-8/12 בשעה 10:00 ", "מחר ", "1/2/3/4/5/6/7/8/9/", "0123456789", " \t\n  ", "1.1.1.",
     "ב-ב-ב-1", "1:2:3:", "on the 20th of December at 8pm, "],
)  # fmt: skip
def test_reading_time_grows_linearly_on_known_worst_cases(seed):
    _assert_linear(seed)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TRICKY), min_size=1, max_size=24).map("".join))
def test_reading_time_grows_linearly_on_any_mix(seed):
    _assert_linear(seed)


def test_an_hour_alone_says_the_day_was_not_written():
    from ai.offline_when import read_when

    today, now = dt.date(2026, 12, 6), dt.time(9, 0)
    assert read_when("can we do 4pm instead", today, now).day_inferred
    assert read_when("אפשר ב-16:00 במקום?", today, now).day_inferred
    assert not read_when("tomorrow at 4pm", today, now).day_inferred
    assert not read_when("ב-8/12 בשעה 10:00", today, now).day_inferred
