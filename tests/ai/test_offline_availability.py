"""ai.offline_availability: a pro's request to close or open times, in Hebrew and English.

The rules are in the module's docstring; these tests hold the reader to them. Today is
Tuesday 8 December 2026, 09:30 in Israel.
"""

import datetime as dt
import time

import pytest

from ai.offline_availability import CLOSE, MAX_DAYS, OPEN, read_availability

TODAY = dt.date(2026, 12, 8)  # a Tuesday
NOW = dt.time(9, 30)
WED, THU, FRI, SAT, SUN = (TODAY + dt.timedelta(days=k) for k in range(1, 6))


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def read(text: str, today=TODAY, now=NOW):
    return read_availability(text, today, now)


def h(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


DEC_20_24 = days(dt.date(2026, 12, 20), dt.date(2026, 12, 24))

# text -> (action, days, start, end)
READ = {
    # the phrases
    "חסום מחר": (CLOSE, [WED], None, None),
    "לא זמין היום אחרי 14:00": (CLOSE, [TODAY], h(14), None),
    "חופש 20-24/12": (CLOSE, DEC_20_24, None, None),
    "פתח שישי 8-12": (OPEN, [FRI], h(8), h(12)),
    "block tomorrow": (CLOSE, [WED], None, None),
    "not available today after 2pm": (CLOSE, [TODAY], h(14), None),
    "off 20-24/12": (CLOSE, DEC_20_24, None, None),
    "vacation Dec 20-24": (CLOSE, DEC_20_24, None, None),
    "open Friday 8-12": (OPEN, [FRI], h(8), h(12)),
    # other ways to say them
    "אני לא זמינה מחר": (CLOSE, [WED], None, None),
    "תחסום לי את יום ו'": (CLOSE, [FRI], None, None),
    "חסום בשישי הקרוב": (CLOSE, [FRI], None, None),
    "אני בחופש מ-20/12 עד 24/12": (CLOSE, DEC_20_24, None, None),
    "חופשה 20-24 בדצמבר": (CLOSE, DEC_20_24, None, None),
    "חופש 20.12-24.12": (CLOSE, DEC_20_24, None, None),
    "חופש 20-24/12/2026": (CLOSE, DEC_20_24, None, None),
    "חסום ראשון עד שלישי": (CLOSE, days(SUN, SUN + dt.timedelta(days=2)), None, None),
    "חסום חמישי עד ראשון": (CLOSE, days(THU, SUN), None, None),
    "חסום מחר ומחרתיים": (CLOSE, [WED, THU], None, None),
    "לא זמין מחר עד 12": (CLOSE, [WED], None, h(12)),
    "לא זמין מחר לפני 10": (CLOSE, [WED], None, h(10)),
    "חסום מחר בין 10 ל-12": (CLOSE, [WED], h(10), h(12)),
    "חסום מחר מ-8 עד 12": (CLOSE, [WED], h(8), h(12)),
    "חסום מחר 14:30-16:00": (CLOSE, [WED], h(14, 30), h(16)),
    "חסום מחר אחרי השעה 4": (CLOSE, [WED], h(16), None),
    "חסום מחר בבוקר": (CLOSE, [WED], None, h(12)),
    'חסום מחר אחה"צ': (CLOSE, [WED], h(12), h(17)),
    "חסום מחר אחרי הצהריים": (CLOSE, [WED], h(12), h(17)),
    "חסום הערב": (CLOSE, [TODAY], h(17), None),
    "סגור מחר": (CLOSE, [WED], None, None),
    "פתח מחר": (OPEN, [WED], None, None),
    "פתח שבת 9-13": (OPEN, [SAT], h(9), h(13)),
    "אני זמין בשישי 13-16": (OPEN, [FRI], h(13), h(16)),
    "I'm off tomorrow": (CLOSE, [WED], None, None),
    "day off tomorrow": (CLOSE, [WED], None, None),
    "I am not available on Friday": (CLOSE, [FRI], None, None),
    "block the day after tomorrow": (CLOSE, [THU], None, None),
    "block tonight": (CLOSE, [TODAY], h(17), None),
    "block tomorrow morning": (CLOSE, [WED], None, h(12)),
    "block tomorrow until noon": (CLOSE, [WED], None, h(12)),
    "block tomorrow 2-6": (CLOSE, [WED], h(14), h(18)),
    "unavailable tomorrow between 10 and 12": (CLOSE, [WED], h(10), h(12)),
    "vacation from Dec 20 to Dec 24": (CLOSE, DEC_20_24, None, None),
    "vacation December 20th - December 24th": (CLOSE, DEC_20_24, None, None),
    "block Thursday to Sunday": (CLOSE, days(THU, SUN), None, None),
    "block next Friday": (CLOSE, [FRI], None, None),
    "open Friday from 8 to 12": (OPEN, [FRI], h(8), h(12)),
    "available friday 8am-12pm": (OPEN, [FRI], h(8), h(12)),
    "open Saturday 09:00-13:00": (OPEN, [SAT], h(9), h(13)),
}


@pytest.mark.parametrize("text", READ)
def test_each_phrasing_is_read(text):
    action, expected_days, start, end = READ[text]

    request = read(text)

    assert request is not None, text
    assert request.problem == "", (text, request)
    assert (request.action, request.days, request.start, request.end) == (
        action,
        expected_days,
        start,
        end,
    )


NOT_REQUESTS = [
    "מחר",  # the agenda's word
    "היום",
    "השבוע",
    "הפסקה",  # pause and resume belong to another command
    "חזרתי",
    "סגור",  # "agreed"
    "סגור, תודה",
    "זמין",
    "off",
    "available",
    "1",
    "אשר",
    "הצעה 450",
    "סיימתי",
    "מחר אני חוסם את היום",  # the request must open the message
    "",
]


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_what_is_not_a_calendar_request_is_left_to_the_other_commands(text):
    assert read(text) is None


ASKED_BACK = {
    "חסום": "no_day",
    "block": "no_day",
    "לא זמין אחרי 14": "no_day",  # hours, but which day?
    "vacation next week": "no_day",
    "חסום מחר ב-10": "unreadable",  # from when to when?
    "block tomorrow at 10": "unreadable",
    "חסום 3 ימים": "unreadable",
    "חופש עד ראשון": "unreadable",  # is Sunday off too?
    "off until Dec 24": "unreadable",
    "block tomorrow except 10-12": "unreadable",
    "חסום מחר חוץ מ-10": "unreadable",
    "חסום מחר 8-12 ו-14-16": "unreadable",  # two spans
    "חסום מחר 12-8": "unreadable",  # ends before it starts
    "חסום 32/12": "unreadable",
    "חופש 24-20/12": "unreadable",
    "חסום 1/12": "past",
    "חופש 1-3/12": "past",
    "לא זמין היום עד 9": "past",  # 09:30: today's hours are over
    "חופש 1/12-15/1": "too_long",
    "vacation Jan 1 - Feb 15": "too_long",
    "פתח שישי בבוקר": "hours",  # which hours?
}


@pytest.mark.parametrize("text", ASKED_BACK)
def test_what_cannot_be_read_for_sure_is_asked_back(text):
    request = read(text)

    assert request is not None and request.problem == ASKED_BACK[text], (text, request)
    assert request.days == []


def test_a_range_begun_before_today_is_the_rest_of_it():
    request = read("חופש 6-10/12")

    assert request.problem == "" and request.days == days(TODAY, dt.date(2026, 12, 10))


def test_a_date_is_its_nearest_occurrence_across_the_new_year():
    request = read("חופש 30/12-2/1", today=dt.date(2026, 12, 28))

    assert request.days == days(dt.date(2026, 12, 30), dt.date(2027, 1, 2))


def test_the_longest_range_is_max_days():
    first = dt.date(2027, 1, 1)
    last = first + dt.timedelta(days=MAX_DAYS - 1)

    beyond = last + dt.timedelta(days=1)

    assert read(f"חופש 1/1-{last.day}/{last.month}").days == days(first, last)
    assert read(f"חופש 1/1-{beyond.day}/{beyond.month}").problem == "too_long"


LARGE = 100_000
LIMIT = 0.5  # seconds: only the start of a long text is read
SEEDS = ["בבקשה 20/12 ", "20-24/12 ", "8-12 ", "מ-8 עד ", "ראשון עד ", "Dec 20 - ", "-", "/"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_text_of_any_length_is_read_in_bounded_time(seed):
    text = "חסום מחר " + seed * (LARGE // len(seed))

    started = time.perf_counter()
    request = read(text)

    assert time.perf_counter() - started < LIMIT
    assert request.problem == "unreadable"  # too long to be one request
    assert read(seed * (LARGE // len(seed))) is None


def test_a_long_message_that_opens_with_a_request_is_asked_back():
    words = "חסום מחר כי " + "יש לי אירוע משפחתי " * 20

    assert read(words).problem == "unreadable"
    assert read("חסום מחר כי יש לי אירוע משפחתי").days == [WED]
