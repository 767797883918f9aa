"""When the customer wants the visit, read from Hebrew or English text.

Dates: today/היום, tomorrow/מחר, the day after tomorrow/מחרתיים, weekdays (יום שלישי,
ביום ג', ברביעי, "this Thursday", "on Fri") as their next occurrence (the same weekday as
today means next week; "next Thursday" is read like "Thursday"), dd/mm, dd.mm, dd/mm/yy(yy),
"10 בדצמבר", "December 10". A date without a year that has passed rolls to next year.

Times: HH:MM, "10am"/"5 pm", "ב-10", "בשעה 5", "at 5", "בחמש", noon. An hour from 1 to 7
with no am/pm or part of the day is read inside working hours (08:00–19:59): 5 → 17:00.
Parts of the day (בבוקר, בצהריים, אחה"צ, בערב, morning, afternoon, evening, tonight) set
`time_of_day`; with an hour they also decide am or pm ("8 בערב" → 20:00).

A time with no date is today if it is still ahead, else tomorrow; a part of the day with no
date is today until it is over (12:00, 17:00, 21:00), else tomorrow. Mentions in the past
("since this morning", "מאז יום ראשון", "last Sunday", "ביום שני שעבר") are skipped; of the
rest, the first one in the message counts.
"""

import datetime as dt
import re
from dataclasses import dataclass

HE = "\u05d0-\u05ea"
B = rf"(?<![{HE}])"  # Hebrew word start
E = rf"(?![{HE}])"  # Hebrew word end

DAY_ENDS = {"morning": 12, "afternoon": 17, "evening": 21}
# The hour used for booking when only a part of the day was given (requested_time stays None).
DEFAULT_HOURS = {"morning": 9, "afternoon": 13, "evening": 17}

WEEKDAYS_HE = {"ראשון": 6, "שני": 0, "שלישי": 1, "רביעי": 2, "חמישי": 3, "שישי": 4, "שבת": 5}
LETTERS_HE = {"א": 6, "ב": 0, "ג": 1, "ד": 2, "ה": 3, "ו": 4, "ש": 5}
WEEKDAYS_EN = {
    "sunday": 6, "sun": 6, "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
}  # fmt: skip
MONTHS_HE = ["ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר",
             "אוקטובר", "נובמבר", "דצמבר"]  # fmt: skip
MONTHS_EN = ["january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december"]  # fmt: skip
MONTHS_EN_RX = "|".join(f"{name}|{name[:3]}" for name in MONTHS_EN) + "|sept"
HOUR_WORDS_HE = {
    "אחת עשרה": 11, "שתים עשרה": 12, "אחת": 1, "שתיים": 2, "שתים": 2, "שלוש": 3,
    "ארבע": 4, "חמש": 5, "שש": 6, "שבע": 7, "שמונה": 8, "תשע": 9, "עשר": 10,
}  # fmt: skip

IC = re.IGNORECASE
UNITS = (
    r"\s*(?:[\d/]|%|₪|דק|שעות|שעה|ימים|יום|שבוע|חודש|שנ|ש[\"״]?ח|שקל|אחוז|מטר|ס[\"״]?מ|מעלות|"
    r"עותק|פעמים|חדר|קומ|דירה|אנשים|ילדים|פריטים|לחודש|בחודש|ב?(?:"
    + "|".join(MONTHS_HE)
    + r")|(?i:min|hour|hr|day|week|month|year|degree|nis|shekel|time|cop|people|room|floor|"
    r"item|percent|st\b|nd\b|rd\b|th\b|" + MONTHS_EN_RX + r"))"
)
DATE_UNITS = (
    r"\s*(?:%|₪|ש[\"״]?ח|שקל|מטר|ס[\"״]?מ|מ[\"״]?מ|ק[\"״]?ג|מעלות|אחוז|כוכבים|"
    r"(?i:nis|shekel|percent|degree|kg\b|cm\b|mm\b|m\b|meter|metre|star))"
)
RELATIVE = re.compile(
    rf"{B}[ולמ]?(?P<he>מחרתיים|מחר|היום){E}"
    r"|\b(?P<en>the day after tomorrow|day after tomorrow|tomorrow|tmrw|tmr|2morrow|today)\b",
    IC,
)
WEEKDAY_HE = re.compile(
    rf"{B}ו?(?:ב?יום\s+(?P<name>{'|'.join(WEEKDAYS_HE)}){E}|ב?יום\s+(?P<letter>[אבגדהוש])['׳]"
    rf"|ב(?P<bare>שלישי|רביעי|חמישי|שישי|שבת){E})"
)
WEEKDAY_EN = re.compile(rf"\b(?P<en>{'|'.join(WEEKDAYS_EN)})\b", IC)
NUMERIC_DATE = re.compile(
    r"(?<![\d/.:+\-])(?P<d>\d{1,2})(?P<sep>[/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?"
    rf"(?![\d:]|[/.]\d)(?!{DATE_UNITS})"
)
MONTH_NAME_DATE = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?:ב|ל)?(?P<he>{'|'.join(MONTHS_HE)}){E}"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<en>{MONTHS_EN_RX})\b"
    rf"|\b(?P<en3>{MONTHS_EN_RX})\.?\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)",
    IC,
)
PARTS = [
    ("morning", re.compile(rf"{B}(?:ו?בבוקר|הבוקר|ו?בשעות הבוקר){E}", IC)),
    (
        "afternoon",
        re.compile(rf"{B}(?:ו?אחרי? ה?צהריים|ו?אחה[\"״']?צ|ו?בצהרי?יים|ו?בצהרים|צהריים){E}"),
    ),
    ("evening", re.compile(rf"{B}(?:ו?בערב|הערב|ו?בלילה|(?<!כל )הלילה|ו?בשעות הערב){E}")),
    ("morning", re.compile(r"(?<!every )(?<!all )\bmorning\b(?<!good morning)", IC)),
    ("afternoon", re.compile(r"(?<!every )(?<!all )\bafternoon\b(?<!good afternoon)", IC)),
    ("evening", re.compile(r"(?<!every )(?<!all )\b(evening|tonight)\b(?<!good evening)", IC)),
]
TODAY_PARTS = re.compile(
    rf"{B}(הבוקר|הערב|(?<!כל )הלילה){E}|\b(tonight|this (morning|afternoon|evening))\b", IC
)

CLOCK = re.compile(r"(?<![\d/.:])(?P<h>\d{1,2}):(?P<m>\d{2})(?!\d)\s*(?P<ap>[ap]\.?m\b\.?)?", IC)
AMPM = re.compile(r"(?<![\d/.:])(?P<h>\d{1,2})\s*(?P<ap>[ap]\.?m)\b\.?", IC)
HOUR_HE = re.compile(
    rf"{B}(?:ו?בשעה\s*|ו?ב[-־]?\s?|ו?בסביבות\s+|ו?סביבות\s+|ו?לקראת\s+|ו?אחרי\s+)"
    rf"(?P<h>\d{{1,2}})(?![\d:.])(?!{UNITS})",
    IC,
)
HOUR_EN = re.compile(
    rf"\b(?i:at|around|by|after|about)\s+(?P<h>\d{{1,2}})(?![\d:.])(?!{UNITS})(?!\s+[A-Z])"
    r"(?:\s*o'?clock)?"
)
CLOCK_DOT = re.compile(r"(?:בשעה|\bat)\s*(?P<h>\d{1,2})\.(?P<m>\d{2})(?!\d)", IC)
HOUR_WORD_HE = re.compile(
    rf"{B}(?:ו?בשעה\s+|ו?ב)(?P<w>{'|'.join(HOUR_WORDS_HE)}){E}"
    rf"(?P<half>\s+וחצי|\s+ורבע)?(?=\s*$|\s*[.,!?)]|\s+(?:בבוקר|בערב|בלילה|בצהריים|אחה|אחרי|מחר|היום|או))"
)
NOON = re.compile(r"\b(noon|midday)\b", IC)
PAST_HE = re.compile(rf"{B}(מאז|מאתמול){E}")
PAST_HE_AFTER = re.compile(rf"^\s*(שעבר|האחרון|שעברה){E}")
PAST_EN = re.compile(
    r"\b(since|last|ago|got|was|were|did|started|began|happened|broke|yesterday)\b", IC
)
CLAUSE_BREAK = re.compile(r"[,.;!?\n]")


@dataclass
class WhenReading:
    date: dt.date | None = None
    time: dt.time | None = None
    time_of_day: str = ""


def read_when(text: str, today: dt.date, now_time: dt.time) -> WhenReading:
    date = _first_date(text, today)
    part = _first(
        (m.start(), name) for name, p in PARTS for m in p.finditer(text) if not _past(text, m)
    )
    clock = _time(text, part)
    if date is None and any(not _past(text, m) for m in TODAY_PARTS.finditer(text)):
        date = today
    if clock is not None and date is None:
        date = today if clock > now_time else today + dt.timedelta(days=1)
    if clock is None and part and date is None:
        date = today if now_time.hour < DAY_ENDS[part] else today + dt.timedelta(days=1)
    return WhenReading(date=date, time=clock, time_of_day=part or "")


def _first(found):
    found = sorted(found, key=lambda item: item[0])
    return found[0][1] if found else None


def _past(text: str, match: re.Match) -> bool:
    clause_start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, match.start())), default=0)
    before = text[clause_start : match.start()]
    if PAST_HE.search(before[-12:]) or PAST_HE_AFTER.search(text[match.end() :]):
        return True
    return bool(PAST_EN.search(before))


def _first_date(text: str, today: dt.date) -> dt.date | None:
    found = []
    for m in RELATIVE.finditer(text):
        word = (m.group("he") or m.group("en")).lower()
        days = 2 if word in ("מחרתיים", "the day after tomorrow", "day after tomorrow") else 0
        days = days or (0 if word in ("היום", "today") else 1)
        found.append((m, today + dt.timedelta(days=days)))
    for m in WEEKDAY_HE.finditer(text):
        if m.group("name"):
            weekday = WEEKDAYS_HE[m.group("name")]
        elif m.group("letter"):
            weekday = LETTERS_HE[m.group("letter")]
        else:
            weekday = WEEKDAYS_HE[m.group("bare")]
        found.append((m, _next_weekday(today, weekday)))
    for m in WEEKDAY_EN.finditer(text):
        if m.group("en").lower() in ("sun", "sat", "mon") and not m.group("en")[0].isupper():
            continue  # "the sun", "I sat": short forms only when capitalised
        found.append((m, _next_weekday(today, WEEKDAYS_EN[m.group("en").lower()])))
    for m in NUMERIC_DATE.finditer(text):
        if re.search(r"(בשעה|\bat)\s*$", text[: m.start()], IC):
            continue
        found.append((m, _calendar(today, int(m.group("d")), int(m.group("m")), m.group("y"))))
    for m in MONTH_NAME_DATE.finditer(text):
        day = int(m.group("d") or m.group("d2") or m.group("d3"))
        if m.group("he"):
            month = MONTHS_HE.index(m.group("he")) + 1
        else:
            word = m.group("en") or m.group("en3")
            if word == "may":
                continue  # "3 may be": the month only when written "May"
            name = word[:3].lower()
            month = [month[:3] for month in MONTHS_EN].index(name) + 1
        found.append((m, _calendar(today, day, month, None)))
    return _first((m.start(), d) for m, d in found if d is not None and not _past(text, m))


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _calendar(today: dt.date, day: int, month: int, year: str | None) -> dt.date | None:
    try:
        if year:
            return dt.date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        found = dt.date(today.year, month, day)
        return found if found >= today else dt.date(today.year + 1, month, day)
    except ValueError:
        return None


def _time(text: str, part: str | None) -> dt.time | None:
    found = []
    for m in CLOCK.finditer(text):
        found.append((m.start(), int(m.group("h")), int(m.group("m")), m.group("ap")))
    for m in CLOCK_DOT.finditer(text):
        found.append((m.start(), int(m.group("h")), int(m.group("m")), None))
    for m in AMPM.finditer(text):
        found.append((m.start(), int(m.group("h")), 0, m.group("ap")))
    for pattern in (HOUR_HE, HOUR_EN):
        for m in pattern.finditer(text):
            found.append((m.start(), int(m.group("h")), 0, None))
    for m in HOUR_WORD_HE.finditer(text):
        minutes = {"": 0, "וחצי": 30, "ורבע": 15}[(m.group("half") or "").strip()]
        found.append((m.start(), HOUR_WORDS_HE[m.group("w")], minutes, None))
    for m in NOON.finditer(text):
        found.append((m.start(), 12, 0, "pm"))
    for _, hour, minute, ampm in sorted(found):
        hour = _in_working_hours(hour, ampm, part)
        if hour is not None and 0 <= minute < 60:
            return dt.time(hour, minute)
    return None


def _in_working_hours(hour: int, ampm: str | None, part: str | None) -> int | None:
    if hour > 23 or (ampm and not 1 <= hour <= 12):
        return None
    if ampm:
        is_pm = ampm.lower().startswith("p")
        return (hour % 12) + (12 if is_pm else 0)
    if part == "morning":
        return hour
    if part in ("afternoon", "evening"):
        return hour + 12 if hour < 12 else hour
    return hour + 12 if 1 <= hour <= 7 else hour
