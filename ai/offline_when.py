"""When the customer wants the visit, read from Hebrew or English text.

What is read
- Days: היום/today, מחר/tomorrow (also "tmrw", "tommorow", "2morrow"), מחרתיים/the day after
  tomorrow; "בעוד יומיים", "בעוד שלושה ימים", "בעוד שבוע", "in two days", "in 3 days",
  "two days from now"; weekdays ("ביום שלישי הקרוב", "יום ג'", "ביום ה׳", "ברביעי", "next
  Tuesday", "this friday", "Wed"); "במוצאי שבת"/"במוצ"ש" (Saturday, evening); numeric
  dates d/m, dd/mm, d.m, dd.mm.yy, dd/mm/yyyy after ב/ל/מ/ה joined by "-", "־", a space or
  nothing; month names in both languages ("17 בדצמבר", "December 17th", "the 8th of
  December", "Dec 3"); a day of the month alone ("ב-20 לחודש", "on the 20th").
- Times: 17:30, "1730" after בשעה/at, 8pm, 8 p.m., "ב-10", "בשעה 5", "at 5", "around 4",
  "אחרי 4", "בין 10 ל-12" (its start), hour words ("בשמונה בערב", "בעשר וחצי", "ב-10 וחצי",
  "רבע לשלוש", "half past ten", "quarter to 9"), noon, "בעוד שעה"/"in an hour".
- Parts of the day: בבוקר, לפני הצהריים (morning); בצהריים, אחה"צ, אחרי הצהריים (afternoon);
  בערב, לפנות ערב, בלילה (evening); morning, afternoon, evening, night. הבוקר, הערב, הלילה,
  tonight, "this afternoon" also say today.
- Now: עכשיו, מייד, בהקדם, כמה שיותר מהר, asap, as soon as possible, right now.

How it is decided
- A weekday is its next occurrence; the same weekday as today means next week, unless
  היום/today is written in the same clause. "next Tuesday", "ביום שלישי הבא" and "הקרוב"
  all mean the coming Tuesday. With "next week"/"בשבוע הבא" in the clause the weekday is
  taken in the next week (weeks start on Sunday): on a Sunday, "בשבוע הבא ביום שני" is
  eight days ahead.
- A date without a year is its nearest occurrence: on 6 December "3/12" is three days ago,
  so it is past; on 31 December "3/1" is 3 January. A day of the month alone is this
  month's while it is still ahead, else the nearer of last month's and next month's.
  A day that does not exist ("32/13", "31/11", "29/2" in a common year, "on the 32nd")
  or a date more than a year ahead is unreadable.
- The first day written that is readable and still ahead counts. Mentions that tell the
  story are skipped: anything after a past marker in the same clause ("since", "last",
  "ago", "started", "מאז", "מיום שישי", "אתמול", "לפני יומיים"), a weekday followed by
  שעבר/האחרון, and a past date followed by a past verb ("ב-5/11 הייתה..."); so is a day
  right after a negation ("אני לא יכול מחר", "not tomorrow").
- `problem` is "past" when the only days written are gone (a past date, "לאתמול", or
  today at an hour that has passed) and "unreadable" when a day was written that cannot
  be read. The date is then None, never today, so the conversation asks which day; the
  time and part of the day read are kept.
- Now words mean today when no day is written.
- A time with no day at all is today if it is still ahead, else tomorrow; a part of the
  day with no day is today until it is over (12:00, 17:00, 21:00), else tomorrow.
- Hours: am/pm as written; with a part of the day, morning keeps the hour and afternoon
  or evening add twelve ("8 בערב" → 20:00); with neither, an hour from 1 to 7 is read
  inside working hours (08:00–19:59) as pm ("ב-5" → 17:00, "7:30" → 19:30) unless it is
  written as 24-hour time with a leading zero ("07:30").
- time_of_day is the part of the day written, with or without an hour.

Other readers build on its pieces: `tokens`, `word_info`, `day_month`, `weekday_date` and
`clock_time` (ai.offline_availability reads a pro's calendar requests with them).

Linear time: one regular expression with no nested quantifiers splits the text into
tokens, and each rule looks at a bounded number of tokens from where it starts, so the
work grows with the length of the text and no input can make a pattern backtrack.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ai.offline_days import (
    Clock,
    Day,
    clock_time,
    day_month,
    of_month,
    weekday_date,
)
from ai.offline_issue import fold_letters
from ai.offline_when_ar_ru import (
    ADDRESS_WORDS_AR_RU,
    COUNTS_AR_RU,
    HALF_HOUR_PAIRS,
    HALVES_AR,
    MINUS_AR,
    NEGATIONS_AR_RU,
    NEXT_WEEK_PAIRS,
    O_CLOCK_RU,
    ONE_WORD_SPANS_AR_RU,
    PAST_AFTER_AR_RU,
    PAST_BEFORE_AR_RU,
    REFUSALS,
    REFUSED_AFTER,
    RULES_AR_RU,
    SPAN_UNITS_AR_RU,
    TODAY_WORDS_AR_RU,
    TWO_WORD_MONTHS,
    UNITS_AR_RU,
    ar_info,
    borrowed,
    ru_info,
)

DAY_ENDS = {"morning": 12, "afternoon": 17, "evening": 21}
# The hour used for booking when only a part of the day was given (requested_time stays None).
DEFAULT_HOURS = {"morning": 9, "afternoon": 13, "evening": 17}

WEEKDAYS_HE = {"ראשון": 6, "שני": 0, "שלישי": 1, "רביעי": 2, "חמישי": 3, "שישי": 4, "שבת": 5}
LETTERS_HE = {"א": 6, "ב": 0, "ג": 1, "ד": 2, "ה": 3, "ו": 4, "ש": 5}
# "בשני" is also "in two of": without יום only these names are weekdays.
BARE_WEEKDAYS_HE = {"שלישי", "רביעי", "רבעי", "חמישי", "שישי", "שבת"}
WEEKDAYS_EN = {
    "sunday": 6, "sun": 6, "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "wensday": 2, "wendsday": 2, "wednsday": 2, "thrusday": 3, "tuseday": 1, "saterday": 5,
}  # fmt: skip
MONTHS_HE = ["ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר",
             "אוקטובר", "נובמבר", "דצמבר"]  # fmt: skip
MONTHS_EN = ["january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december"]  # fmt: skip
HOUR_WORDS_HE = {"אחת": 1, "שתיים": 2, "שתים": 2, "שלוש": 3, "ארבע": 4, "חמש": 5, "שש": 6,
                 "שבע": 7, "שמונה": 8, "תשע": 9, "עשר": 10}  # fmt: skip
HOUR_WORDS_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip
COUNTS = {
    "שני": 2, "שניים": 2, "שלושה": 3, "שלוש": 3, "ארבעה": 4, "ארבע": 4, "חמישה": 5, "חמש": 5,
    "שישה": 6, "שש": 6, "שבעה": 7, "שבע": 7, "עשרה": 10, "עשר": 10, "a": 1, "an": 1,
    **HOUR_WORDS_EN, **COUNTS_AR_RU,
}  # fmt: skip

# Words by their form without Hebrew prefixes: (family, value). Each family has a rule.
HE_WORDS = {
    "היום": ("day", 0), "מחר": ("day", 1), "מחרתיים": ("day", 2), "מחרתים": ("day", 2),
    "אתמול": ("ago", -1), "שלשום": ("ago", -2), "יום": ("yom", 0), "רבעי": ("weekday", 2),
    **{name: ("weekday", n) for name, n in WEEKDAYS_HE.items()},
    **{name: ("month", n) for n, name in enumerate(MONTHS_HE, 1)},
    **{name: ("hourword", n) for name, n in HOUR_WORDS_HE.items()},
    "בוקר": ("part", "morning"), "צהריים": ("part", "afternoon"), "צהרים": ("part", "afternoon"),
    "אחהצ": ("part", "afternoon"), "ערב": ("part", "evening"), "לילה": ("part", "evening"),
    "מוצאי": ("motzash", 0), "מוצש": ("motzash", 0), "עכשיו": ("now", 0), "מייד": ("now", 0),
    "מיד": ("now", 0), "מיידי": ("now", 0), "הקדם": ("now", 0), "כמה": ("howmuch", 0),
    "עוד": ("in", 0), "שעה": ("hour", 0), "רבע": ("quarter", 0), "אחרי": ("after", 0),
    "אחר": ("after", 0), "סביבות": ("at", 0), "לקראת": ("at", 0), "בין": ("at", 0),
    "לפני": ("before", 0), "לפנות": ("toward", 0), "ב": ("letter", 0),
}  # fmt: skip
HE_PREFIXES = ("ו", "ב", "ל", "מ", "ה", "ש", "וב", "ול", "ומ", "וה", "מה", "שב", "ומה")
EN_WORDS = {
    "today": ("day", 0), "tomorrow": ("day", 1), "tommorow": ("day", 1), "tomorow": ("day", 1),
    "tommorrow": ("day", 1), "tmrw": ("day", 1), "tmr": ("day", 1), "tmw": ("day", 1),
    "morrow": ("morrow", 1), "yesterday": ("ago", -1), "day": ("dayword", 0),
    **{name: ("weekday", n) for name, n in WEEKDAYS_EN.items()},
    **{name: ("month", n) for n, name in enumerate(MONTHS_EN, 1)},
    **{name[:3]: ("month", n) for n, name in enumerate(MONTHS_EN, 1)}, "sept": ("month", 9),
    "morning": ("part", "morning"), "afternoon": ("part", "afternoon"),
    "evening": ("part", "evening"), "night": ("part", "evening"), "tonight": ("tonight", 0),
    "noon": ("noon", 0), "midday": ("noon", 0), "at": ("at", 0), "around": ("at", 0),
    "by": ("at", 0), "after": ("at", 0), "about": ("at", 0), "between": ("at", 0),
    "before": ("before", 0), "in": ("in", 0), "half": ("half", 30), "quarter": ("half", 15),
    "asap": ("now", 0), "immediately": ("now", 0), "as": ("as", 0), "right": ("right", 0),
    "now": ("nowword", 0), **{name: ("count", n) for name, n in COUNTS.items() if name.isascii()},
}  # fmt: skip

UNITS = {
    "דקות", "דקה", "דק", "שעות", "שעה", "שעתיים", "ימים", "יום", "יומיים", "שבוע", "שבועות",
    "חודש", "חודשים", "שנה", "שנים", "שח", "שקל", "שקלים", "אחוז", "מטר", "מטרים", "סמ", "ממ",
    "קג", "מעלות", "עותק", "עותקים", "פעמים", "פעם", "חדר", "חדרים", "קומה", "קומות", "דירה",
    "דירות", "אנשים", "ילדים", "פריטים", "צול", "אינץ", "כוכבים", "ליטר", "מזגנים", "%", "₪",
    "min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "degree", "degrees", "nis", "shekel",
    "shekels", "percent", "people", "room", "rooms", "floor", "floors", "item", "items",
    "time", "times", "copies", "copy", "inch", "inches", "cm", "mm", "kg", "m", "meter",
    "meters", "metre", "metres", "star", "stars", "units", "pieces", "st", "nd", "rd", "th",
    *UNITS_AR_RU,
}  # fmt: skip
ORDINALS = {"st", "nd", "rd", "th"}
SPAN_UNITS = {"ימים": (1, 0), "יום": (1, 0), "שבוע": (7, 0), "שבועות": (7, 0), "day": (1, 0),
              "days": (1, 0), "week": (7, 0), "weeks": (7, 0), "שעה": (0, 60), "שעות": (0, 60),
              "דקות": (0, 1), "hour": (0, 60), "hours": (0, 60), "minutes": (0, 1),
              "mins": (0, 1), **SPAN_UNITS_AR_RU}  # fmt: skip
ONE_WORD_SPANS = {"יומיים": (2, 0), "יומים": (2, 0), "שבועיים": (14, 0), "שבוע": (7, 0),
                  "יום": (1, 0), "שעה": (0, 60), "שעתיים": (0, 120),
                  **ONE_WORD_SPANS_AR_RU}  # fmt: skip
HALVES = {"וחצי": 30, "ורבע": 15, **HALVES_AR}
NEGATIONS = {"לא", "אין", "עסוק", "עסוקה", "not", "can't", "cant", "cannot", "won't", "wont",
             "don't", "dont", "isn't", "busy", *NEGATIONS_AR_RU}  # fmt: skip
PAST_BEFORE = {
    "מאז", "מאתמול", "התחיל", "התחילה", "התחילו", "נשבר", "נשברה", "נשברו", "נשרף", "נשרפה",
    "הפסיק", "הפסיקה", "קרה", "נפל", "נפלה", "דלף", "since", "last", "ago", "got", "was",
    "were", "did", "started", "began", "happened", "broke", "broken", "stopped", "had", "came",
    *PAST_BEFORE_AR_RU,
}  # fmt: skip
PAST_AFTER = {"הייתה", "היתה", "היה", "התחיל", "התחילה", "נשבר", "נשברה", "נשרף", "קרה",
              "was", "happened", *PAST_AFTER_AR_RU}  # fmt: skip
LAST_HE = {"שעבר", "שעברה", "האחרון", "האחרונה"}
COMING_HE = {"הקרוב", "הקרובה", "הבא", "הבאה"}
ADDRESS_WORDS = {"רחוב", "רח", "שדרות", "שד", "כתובת", "address", "street", "st",
                 *ADDRESS_WORDS_AR_RU}  # fmt: skip
O_CLOCK = {"o'clock", *O_CLOCK_RU}
ORDINAL_ENDINGS_RU = {"го", "е", "ое", "ого"}  # "8-го", "8-е"
DAY_OF_MONTH_WORDS = {"לחודש", "בחודש", "числа", "بالشهر", "للشهر"}
TIME_FOLLOWERS_HE = {"וחצי", "ורבע", "או", "מתאים", "טוב", "בסדר", "זה", "אם", "בערך", "בבקשה"}

# Tokens: a number, a Hebrew word (geresh and gershayim kept inside: ג', אחה"צ), an English,
# Arabic or Russian word, or one of the marks the rules look at; anything else only keeps
# tokens apart. No part repeats another, so nothing backtracks.
TOKEN = re.compile(
    r"(?P<num>\d+)"
    r"|(?P<he>[\u05d0-\u05ea]+(?:[\"'\u05f3\u05f4][\u05d0-\u05ea]+)*[\"'\u05f3\u05f4]?)"
    r"|(?P<en>[A-Za-z]+(?:['\u2019][A-Za-z]+)*)"
    r"|(?P<ar>[\u0621-\u064a]+)"
    r"|(?P<ru>[\u0400-\u045f]+)"
    r"|(?P<mark>[/.:,;!?%₪\-\u05be\u2013])"
)
# Arabic punctuation read as its Latin twin.
PUNCTUATION = str.maketrans("\u060c\u061b\u061f", ",;?")
CLAUSE_ENDS = {",", ";", "!", "?"}
ABBREVIATIONS_RU = {"ул", "д", "кв", "пр", "г", "пер", "им"}  # "ул. Герцля 12": one clause
QUOTES = str.maketrans("", "", "\"'\u05f3\u05f4")
PAD = 6  # sentinel tokens after the last, so rules look ahead (and i - 1 behind) unguarded


@dataclass
class WhenReading:
    date: dt.date | None = None
    time: dt.time | None = None
    time_of_day: str = ""
    problem: str = ""  # "" | "past" | "unreadable"
    day_inferred: bool = False  # no day was written: the date is the next time that fits


@dataclass
class _Found:
    days: list[Day] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    now_said: bool = False


def read_when(text: str, today: dt.date, now_time: dt.time) -> WhenReading:
    return _decide(_Reader(text or "", today, now_time).read(), today, now_time)


def _decide(found: _Found, today: dt.date, now_time: dt.time) -> WhenReading:
    part = found.parts[0] if found.parts else ""
    clock = next(filter(None, (clock_time(c, part) for c in found.clocks)), None)
    ahead = next((d for d in found.days if d.date), None)
    problem = next((d.problem for d in found.days if d.problem), "")
    reading = WhenReading(time=clock, time_of_day=part, problem="" if ahead else problem)
    if ahead and ahead.date == today and clock is not None and clock <= now_time:
        reading.problem = "past"  # today, at an hour already gone
    elif ahead:
        reading.date = ahead.date
    elif not problem:
        reading.date = _undated(clock, part, found.now_said, today, now_time)
        reading.day_inferred = reading.date is not None and not found.now_said
    return reading


def _undated(clock, part, now_said, today, now_time) -> dt.date | None:
    """The day of a time, a part of the day or "now" written without a day."""
    tomorrow = today + dt.timedelta(days=1)
    if clock is not None:
        return today if clock > now_time else tomorrow
    if part:
        return today if now_time.hour < DAY_ENDS[part] else tomorrow
    return today if now_said else None


# --- tokens ---------------------------------------------------------------------------


def tokens(text: str) -> tuple[list, list, list, list, list]:
    """Kinds, normalised texts (Hebrew without quote marks, English lower case, Arabic and
    Russian folded: ai.offline_issue.fold_letters), raw texts, starts and ends of the tokens."""
    found = [(m.lastgroup, m.group(), *m.span()) for m in TOKEN.finditer(text)]
    if not found:
        return [], [], [], [], []
    kinds, raws, starts, ends = (list(column) for column in zip(*found, strict=True))
    texts = [_normalised(kind, raw) for kind, raw in zip(kinds, raws, strict=True)]
    return kinds, texts, raws, starts, ends


def _normalised(kind: str, raw: str) -> str:
    if kind == "he":
        return raw.translate(QUOTES)
    if kind in ("ar", "ru"):
        return fold_letters(raw)
    return raw.lower().replace("\u2019", "'")


def _clauses(text: str, raws: list[str], starts: list[int], ends: list[int]) -> list[int]:
    """The clause of each token: commas, sentence ends, line breaks and " - " split them."""
    clause, ids, size = 0, [], len(text)
    for i, raw in enumerate(raws):
        if i and text.count("\n", ends[i - 1], starts[i]):
            clause += 1
        ids.append(clause)
        if raw in CLAUSE_ENDS:
            clause += 1
        elif raw in (".", "-", "\u2013") and (ends[i] == size or text[ends[i]].isspace()):
            spaced = raw == "." or starts[i] == 0 or text[starts[i] - 1].isspace()
            abbreviated = raw == "." and i and raws[i - 1].lower() in ABBREVIATIONS_RU
            clause += spaced and not abbreviated  # "10.12", "p.m.", "ב-8", "ул. Герцля"
    return ids


@lru_cache(maxsize=4096)
def word_info(kind: str, text: str) -> tuple[str, str, object] | None:
    """(prefix, family, value) of a word, or None. Hebrew and Arabic words may open with
    prefix letters."""
    if kind == "ar":
        return ar_info(text)
    if kind == "ru":
        return ru_info(text)
    if kind == "en":
        found = EN_WORDS.get(text)
        return ("", *found) if found else None
    if kind != "he":
        return None
    if text in HE_WORDS or text == "וב":
        return ("", *HE_WORDS[text[-1:] if text == "וב" else text])
    for prefix in HE_PREFIXES:
        if text.startswith(prefix) and text[len(prefix) :] in HE_WORDS:
            return (prefix, *HE_WORDS[text[len(prefix) :]])
    return None


# --- the reader -----------------------------------------------------------------------


class _Reader:
    """One pass over the tokens; every rule looks at most a few tokens around its start."""

    def __init__(self, text: str, today: dt.date, now_time: dt.time):
        self.today, self.now_time = today, now_time
        text = fold_letters(text).translate(PUNCTUATION)
        kinds, texts, raws, starts, ends = tokens(text)
        self.n = len(kinds)
        self.info = [word_info(k, t) for k, t in zip(kinds, texts, strict=True)] + [None] * PAD
        self.clause = _clauses(text, raws, starts, ends) + [-1] * PAD
        self.kind, self.text, self.raw = (x + [""] * PAD for x in (kinds, texts, raws))
        self.start, self.end = starts + [-10] * PAD, ends + [-20] * PAD
        self.after_past = self._after_past_markers()
        self.next_week, self.today_said = self._clause_flags()
        self.found = _Found()

    def read(self) -> _Found:
        consumed = 0
        for i in range(self.n):
            if i < consumed:
                continue
            if self.kind[i] == "num":
                consumed = self._at_number(i)
            elif self.info[i] is not None:
                rule = RULES.get((self.kind[i], self.info[i][1]))
                consumed = rule(self, i) if rule else 0
        return self.found

    # looking around

    def glued(self, i: int) -> bool:
        """Token i touches token i + 1."""
        return self.end[i] == self.start[i + 1]

    def is_num(self, i: int, digits: tuple = (1, 2)) -> bool:
        return self.kind[i] == "num" and len(self.raw[i]) in digits

    def family(self, i: int, family: str, prefixes=("",)):
        """The value of the word at i when it is of `family` behind one of `prefixes`."""
        info = self.info[i]
        if info is None or info[1] != family or info[0] not in prefixes:
            return None
        return info[2]

    def month_at(self, j: int) -> int | None:
        month = self.family(j, "month", ("", "ב", "ל"))
        if month == 5 and self.raw[j] == "may":
            return None  # "it may be": the month only when written May
        return month

    def month_span(self, j: int) -> tuple[int, int] | None:
        """(month, end) of a month's name at j, of one word or two ("كانون الاول")."""
        if (month := self.month_at(j)) is not None:
            return month, j + 1
        if (month := TWO_WORD_MONTHS.get(self.text[j], {}).get(self.text[j + 1])) is not None:
            return month, j + 2
        return None

    def unit_after(self, j: int) -> bool:
        """The number before j counts or measures something, or is a day of a month."""
        if self.clause[j] != self.clause[j - 1]:
            return False
        text = self.text[j]
        if text in UNITS or self.month_span(j) is not None:
            return True
        return text[:1] in ("ב", "ל") and text[1:] in UNITS and text[1:] != "שעה"

    def number_glued_before(self, i: int) -> bool:
        if not self.glued(i - 1):
            return False
        if self.kind[i - 1] == "num" or self.raw[i - 1] in ("/", ".", ":"):
            return True
        return self.raw[i - 1] == "-" and self.kind[i - 2] == "num" and self.glued(i - 2)

    def number_glued_after(self, j: int) -> bool:
        """j is a "/", "." or ":" joining the number before it to a number after it."""
        return (
            self.raw[j] in ("/", ".", ":")
            and self.glued(j - 1)
            and self.is_num(j + 1, (1, 2, 3, 4))
        )

    # recording

    def add_day(self, i: int, end: int, day: Day) -> int:
        negated = any(
            self.text[j] in NEGATIONS and self.clause[j] == self.clause[i]
            for j in (i - 3, i - 2, i - 1)
        )
        if self.after_past[i] or negated or self._refused_after(i, end):
            return end
        if day.problem == "past" and any(
            self.text[j] in PAST_AFTER for j in (end, end + 1, end + 2)
        ):
            return end  # "ב-5/11/2025 הייתה פה בעיה": the story, not a request
        self.found.days.append(day)
        return end

    def _refused_after(self, i: int, end: int) -> bool:
        """The day is refused right after it: "завтра не могу", "بكرا ما بقدر"."""
        if self.clause[end + 1] != self.clause[i]:
            return False
        return self.text[end] in REFUSED_AFTER and self.text[end + 1] in REFUSALS

    def add_clock(self, i: int, end: int, clock: Clock) -> int:
        if not self.after_past[i]:
            self.found.clocks.append(clock)
        return end

    def add_part(self, i: int, end: int, part: str, today: bool = False) -> int:
        if not self.after_past[i]:
            self.found.parts.append(part)
            if today:
                self.add_day(i, end, Day(self.today))
        return end

    def add_now(self, i: int, end: int) -> int:
        self.found.now_said = self.found.now_said or not self.after_past[i]
        return end

    def add_span(self, i: int, span: tuple[int, int], end: int) -> int:
        days, minutes = span
        if not minutes:
            return self.add_day(i, end, Day(self.today + dt.timedelta(days=days)))
        moment = dt.datetime.combine(self.today, self.now_time) + dt.timedelta(minutes=minutes)
        self.add_day(i, end, Day(moment.date()))
        return self.add_clock(i, end, Clock(moment.hour, moment.minute, exact=True))

    def weekday_day(self, i: int, weekday: int) -> Day:
        clause = self.clause[i]
        return weekday_date(
            self.today, weekday, clause in self.next_week, clause in self.today_said
        )

    # context, one pass each

    def _after_past_markers(self) -> list[bool]:
        seen, flags, clause = False, [], -1
        for i in range(self.n):
            if self.clause[i] != clause:
                seen, clause = False, self.clause[i]
            flags.append(seen)
            if not seen and (self.info[i] is not None or self.text[i] in PAST_BEFORE):
                seen = self._is_past_marker(i)
        return flags + [False] * PAD

    def _is_past_marker(self, i: int) -> bool:
        text, info = self.text[i], self.info[i]
        if text in PAST_BEFORE:
            return True
        if info is None:
            return False
        prefix, family = info[0], info[1]
        if family == "ago":
            return prefix != "ל" and self.text[i - 1] not in ("come", "for")
        if family == "part":
            return prefix in ("מה", "ומה")  # "מהבוקר": since this morning
        if family in ("yom", "weekday"):
            return prefix == "מ"  # "מיום שישי": since Friday
        if family == "since":  # "من امبارح", "من يوم الجمعه", "من الصبح", "с пятницы"
            return self._since_a_day(i + 1)
        return family == "before" and self.span_at(i + 1) is not None  # "לפני יומיים"

    def _since_a_day(self, j: int) -> bool:
        """Does "من"/"с" before token j say since when (a day gone, a span, "من الصبح"), not
        from which hour ("с 10", "من الساعه ٤") or part of a day ahead ("с утра")?"""
        info = self.info[j]
        if info is not None and info[1] in ("ago", "yom", "weekday"):
            return True
        if info is not None and info[1] == "part":
            return self.kind[j] == "ar"
        return self.span_at(j) is not None

    def _clause_flags(self) -> tuple[set[int], set[int]]:
        next_week, today_said = set(), set()
        for i in range(self.n):
            text = self.text[i]
            week = text == "next" or text in ("שבוע", "בשבוע", "לשבוע")
            if week and self.text[i + 1] in ("week", "הבא", "הבאה"):
                next_week.add(self.clause[i])
            if (text, self.text[i + 1]) in NEXT_WEEK_PAIRS:
                next_week.add(self.clause[i])
            if text in ("היום", "today", *TODAY_WORDS_AR_RU) and self.text[i - 1] != "כל":
                today_said.add(self.clause[i])
        return next_week, today_said

    # spans: "יומיים", "3 ימים", "שבוע", "an hour", "2 weeks", "half an hour"

    def span_at(self, j: int) -> tuple[tuple[int, int], int] | None:
        """((days, minutes), end) of a span written at j."""
        text = self.text[j]
        if text in ONE_WORD_SPANS:
            return ONE_WORD_SPANS[text], j + 1
        if (text, self.text[j + 1]) in (("חצי", "שעה"), *HALF_HOUR_PAIRS):
            return (0, 30), j + 2
        if text == "half" and self.text[j + 2] == "hour":
            return (0, 30), j + 3
        count = int(self.raw[j]) if self.is_num(j, (1, 2, 3)) else COUNTS.get(text)
        unit = SPAN_UNITS.get(self.text[j + 1])
        if count is None or unit is None:
            return None
        return (count * unit[0], count * unit[1]), j + 2

    # numbers: dates first, then times

    def _at_number(self, i: int) -> int:
        after, glued = self.raw[i + 1], self.glued(i)
        if glued and after in ("/", ".") and (found := self._numeric_date(i)):
            return found
        if glued and after == ":":
            return self._colon_clock(i)
        if self.ordinal_end(i) == i + 3:  # "8-го", "8-го декабря"
            return self._number_month(i) or self._day_of_month(i)
        if self.kind[i + 1] not in ("he", "en", "ar", "ru"):
            return 0  # the rules below read a word after the number
        if not self.is_num(i):
            return self.span_from_now(i)
        return (
            self._number_month(i)
            or self._day_of_month(i)
            or self._ampm_hour(i)
            or self.span_from_now(i)
            or self._hour_before_part(i)
        )

    def _numeric_date(self, i: int) -> int:
        """Dates written in numbers: "8/12", "8.12.26", "20/12/2026"."""
        sep, end = self.raw[i + 1], i + 3
        if not (self.glued(i + 1) and self.kind[i + 2] == "num"):
            return 0
        year = ""
        if (
            self.raw[end] == sep
            and self.glued(end - 1)
            and self.glued(end)
            and self.kind[end + 1] == "num"
        ):
            year, end = self.raw[end + 1], end + 2
        if not self._looks_like_date(i, end, year):
            return 0
        day, month = int(self.raw[i]), int(self.raw[i + 2])
        return self.add_day(i, end, day_month(self.today, day, month, year))

    def _looks_like_date(self, i: int, end: int, year: str) -> bool:
        if not (self.is_num(i) and self.is_num(i + 2) and len(year) in (0, 2, 4)):
            return False
        if self.number_glued_before(i) or self.number_glued_after(end):
            return False  # a longer number: "1.2.3.4", "050-1/2"
        if (self.raw[i], self.raw[i + 2], year) == ("24", "7", "") or self.unit_after(end):
            return False  # "24/7", "3/4 צול", "2.5 מטר"
        if self.text[end] == "of" or self.text[end].startswith("מה"):
            return False  # "2/3 of the pipe", "2/3 מהצינור"
        return not any(
            self.text[j] in ADDRESS_WORDS and self.clause[j] == self.clause[i]
            for j in range(i - 4, i)
        )  # "רחוב הרצל 12/3"

    def ordinal_end(self, i: int) -> int:
        """Where the number at i ends with its ordinal ending: "17th", "8-го", "8-е"."""
        if self.text[i + 1] in ORDINALS and self.glued(i):
            return i + 2
        if self.raw[i + 1] == "-" and self.glued(i) and self.glued(i + 1):
            return i + 3 if self.text[i + 2] in ORDINAL_ENDINGS_RU else i + 1
        return i + 1

    def _number_month(self, i: int) -> int:
        """A day before a month's name: "17 בדצמבר", "ב-17 לדצמבר", "17th of December", "24 Dec",
        "8-го декабря"."""
        j = self.ordinal_end(i)
        j += self.text[j] == "of"
        if (found := self.month_span(j)) is None:
            return 0
        return self.add_day(i, found[1], day_month(self.today, int(self.raw[i]), found[0]))

    def _day_of_month(self, i: int) -> int:
        """A day of the month: "ב-20 לחודש", "on the 20th", "8-го", "20 числа", "٢٠ بالشهر"
        (not "the 3rd floor")."""
        end = self.ordinal_end(i)
        if self.text[end] in DAY_OF_MONTH_WORDS:
            end += 1
        elif end == i + 1 or self.unit_after(end):
            return 0
        return self.add_day(i, end, of_month(self.today, int(self.raw[i])))

    def _colon_clock(self, i: int) -> int:
        """Clock times: "17:30", "8:30am"."""
        if self.number_glued_before(i) or not self.is_num(i):
            return 0
        found = self.hour_minutes(i, strong=False)
        return self.add_clock(i, found[1], found[0]) if found else 0

    def _ampm_hour(self, i: int) -> int:
        """Hours with am/pm: "5pm", "8 p.m."."""
        ampm = self.ampm_at(i + 1)
        if ampm is None or self.number_glued_before(i):
            return 0
        return self.add_clock(i, ampm[1], Clock(int(self.raw[i]), ampm=ampm[0]))

    def span_from_now(self, i: int) -> int:
        """Spans from now: "3 days from now", "two days from now"."""
        span = self.span_at(i)
        if span is None or (self.text[span[1]], self.text[span[1] + 1]) != ("from", "now"):
            return 0
        return self.add_span(i, span[0], span[1] + 2)

    def _hour_before_part(self, i: int) -> int:
        """An hour told by what follows it: "מחר 8 בבוקר", "12 בצהריים", "10 וחצי"."""
        hour, minute = int(self.raw[i]), HALVES.get(self.text[i + 1])
        info = self.info[i + 1]
        part = info is not None and info[1] == "part" and info[0] in ("ב", "", "ب", "ع")
        if not (1 <= hour <= 12 and (minute or part)) or self.number_glued_before(i):
            return 0
        return self.add_clock(i, i + 2 if minute else i + 1, Clock(hour, minute or 0))

    # times after a word: "בשעה 5", "ב-10", "at 5", "אחרי 4", "בין 10 ל-12"

    def hour_after(self, i: int, strong: bool) -> int:
        j = i + 2 if self.raw[i + 1] in ("-", "\u05be") and self.glued(i + 1) else i + 1
        found = self.hour_minutes(j, strong) if self.kind[j] == "num" else self.hour_word_at(j)
        return self.add_clock(i, found[1], found[0]) if found else 0

    def hour_minutes(self, j: int, strong: bool) -> tuple[Clock, int] | None:
        raw = self.raw[j]
        if strong and len(raw) == 4 and self.raw[j + 1] != "-":
            hour, minute = int(raw[:2]), int(raw[2:])  # "בשעה 1730"
            return (Clock(hour, minute, exact=True), j + 1) if hour < 24 and minute < 60 else None
        if len(raw) > 2 or self.number_glued_before(j):
            return None
        hour, minute, end = int(raw), self.minutes_at(j + 1, strong), j + 1
        if minute is not None:
            end += 2
        elif self.number_glued_after(end) or self.raw[end] == "/" or self.unit_after(end):
            return None
        minute, end = self.half_at(end, minute or 0)
        hour, minute = borrowed(hour, minute)
        if ampm := self.ampm_at(end):
            return Clock(hour, minute, ampm[0]), ampm[1]
        if self.kind[end] == "en" and self.raw[end][0].isupper() and self.info[end] is None:
            return None  # "at 5 Herzl St"
        return Clock(hour, minute, exact=raw[0] == "0" or hour >= 13), end

    def minutes_at(self, j: int, strong: bool) -> int | None:
        """Minutes: ":30" always; ".30" after בשעה/at, or where it cannot be a month (".45")."""
        if self.raw[j] not in (":", ".") or not (self.glued(j - 1) and self.glued(j)):
            return None
        if not self.is_num(j + 1, (2,)) or self.number_glued_after(j + 2):
            return None
        minute = int(self.raw[j + 1])
        return minute if self.raw[j] == ":" or strong or minute > 12 else None

    def half_at(self, end: int, minute: int) -> tuple[int, int]:
        """Half and quarter hours ("וחצי", "ורבע", "ونص"), minutes before the hour ("إلا
        ربع": -15), and "o'clock" ("часов"), after an hour."""
        if not minute and self.text[end] in HALVES:
            return HALVES[self.text[end]], end + 1
        if not minute and (before := MINUS_AR.get((self.text[end], self.text[end + 1]))):
            return -before, end + 2
        return minute, end + (self.text[end] in O_CLOCK)

    def ampm_at(self, j: int) -> tuple[str, int] | None:
        text = self.text[j]
        if text in ("am", "pm"):
            return text, j + 1
        if text not in ("a", "p") or self.raw[j + 1] != "." or self.text[j + 2] != "m":
            return None
        if not (self.glued(j) and self.glued(j + 1)):
            return None
        return text + "m", j + 4 if self.raw[j + 3] == "." and self.glued(j + 2) else j + 3

    def hour_word_at(self, j: int) -> tuple[Clock, int] | None:
        """Hour words right after בשעה/at: "שמונה", "אחת עשרה", "five"."""
        hour = self.family(j, "hourword") or HOUR_WORDS_EN.get(self.text[j])
        if hour is None:
            return None
        end = j + 1
        if hour in (1, 2) and self.text[end] == "עשרה":
            hour, end = hour + 10, end + 1
        minute, end = self.half_at(end, 0)
        hour, minute = borrowed(hour, minute)
        ampm = self.ampm_at(end)
        return (Clock(hour, minute, ampm[0]), ampm[1]) if ampm else (Clock(hour, minute), end)


# --- rules by word family ---------------------------------------------------------------


def _he_day(reader: _Reader, i: int) -> int:
    days = reader.info[i][2]
    if days == 0 and reader.text[i - 1] == "כל":
        return 0  # "כל היום": all day long
    return reader.add_day(i, i + 1, Day(reader.today + dt.timedelta(days=days)))


def _he_ago(reader: _Reader, i: int) -> int:
    """Yesterday asked for ("לאתמול") is past; without ל it tells the story (a marker)."""
    return reader.add_day(i, i + 1, Day(None, "past")) if reader.info[i][0] == "ל" else 0


def _he_yom(reader: _Reader, i: int) -> int:
    """Weekdays after יום: "ביום שלישי", "יום ג'", "ביום ה׳", "ליום רביעי"."""
    j = i + 1
    weekday = reader.family(j, "weekday")
    letter = reader.kind[j] == "he" and reader.text[j] in LETTERS_HE
    if (
        weekday is None
        and letter
        and not (reader.raw[j + 1] in ("-", "\u05be") and reader.glued(j))
    ):
        weekday = LETTERS_HE[reader.text[j]]  # "יום ג'", but not "ה-10"
    return _weekday_then(reader, i, j + 1, weekday) if weekday is not None else 0


def _he_bare_weekday(reader: _Reader, i: int) -> int:
    """Weekdays without יום: "ברביעי", "בשבת", "לשישי"."""
    prefix, _, weekday = reader.info[i]
    if (
        prefix not in ("ב", "ל", "וב", "ול")
        or reader.text[i][len(prefix) :] not in BARE_WEEKDAYS_HE
    ):
        return 0
    return _weekday_then(reader, i, i + 1, weekday)


def _weekday_then(reader: _Reader, i: int, end: int, weekday: int) -> int:
    if reader.text[end] in LAST_HE:
        return end + 1  # "ביום שני שעבר": the story
    end += reader.text[end] in COMING_HE
    if reader.info[i][0] == "מ":
        return end  # "מיום שישי": since Friday
    return reader.add_day(i, end, reader.weekday_day(i, weekday))


def _he_motzash(reader: _Reader, i: int) -> int:
    """Saturday evening: "במוצאי שבת", "במוצ"ש"."""
    end = i + 1
    if reader.text[i].endswith("מוצאי"):
        if reader.family(end, "weekday") != 5:
            return 0
        end += 1
    reader.add_day(i, end, reader.weekday_day(i, 5))
    return reader.add_part(i, end, "evening")


def _he_part(reader: _Reader, i: int) -> int:
    prefix, _, part = reader.info[i]
    if reader.text[i - 1] == "כל" or reader.text[i + 1] == "טוב":
        return 0  # "כל הלילה", "ערב טוב"
    if prefix in ("ה", "וה"):  # "הערב": this evening, but "בשעות הערב" is any evening
        return reader.add_part(i, i + 1, part, today=reader.text[i - 1] not in ("בשעות", "שעות"))
    if prefix in ("ב", "וב", "ל") or (prefix == "" and part == "afternoon"):
        return reader.add_part(i, i + 1, part)
    return 0


def _he_toward(reader: _Reader, i: int) -> int:
    """Evening: "לפנות ערב"."""
    return reader.add_part(i, i + 2, "evening") if reader.family(i + 1, "part") == "evening" else 0


def _he_after(reader: _Reader, i: int) -> int:
    """Afternoon ("אחרי הצהריים"), else an hour ("אחרי 4")."""
    if reader.family(i + 1, "part", ("ה", "")) == "afternoon":
        return reader.add_part(i, i + 2, "afternoon")
    return reader.hour_after(i, strong=False) if reader.info[i][0] == "" else 0


def _he_before(reader: _Reader, i: int) -> int:
    """Morning ("לפני הצהריים"), or an hour ("לא לפני 10": 10:00)."""
    if reader.family(i + 1, "part", ("ה", "")) == "afternoon":
        return reader.add_part(i, i + 2, "morning")
    return reader.hour_after(i, strong=False) if reader.text[i - 1] == "לא" else 0


def _he_at(reader: _Reader, i: int) -> int:
    """Hours after a word: "בסביבות 4", "לקראת 5", "בין 10 ל-12", "ב-10", "ב10", "ב 10"."""
    return reader.hour_after(i, strong=False) if reader.info[i][0] in ("", "ב") else 0


def _he_hour(reader: _Reader, i: int) -> int:
    """Hours after בשעה: "בשעה 5", "בשעה 17:30", "בשעה 1730", "בשעה שמונה"."""
    return reader.hour_after(i, strong=True) if reader.info[i][0] in ("ב", "וב") else 0


def _he_hour_word(reader: _Reader, i: int) -> int:
    """Hour words: "בשמונה", "בעשר וחצי", "באחת עשרה", where a time fits (not "בשלוש מקומות")."""
    prefix, _, hour = reader.info[i]
    end = i + 1
    if hour in (1, 2) and reader.text[end] == "עשרה":
        hour, end = hour + 10, end + 1
    minute, end = reader.half_at(end, 0)
    if prefix not in ("ב", "וב") or not _fits_a_time(reader, end):
        return 0
    return reader.add_clock(i, end, Clock(hour, minute))


def _fits_a_time(reader: _Reader, end: int) -> bool:
    if end >= reader.n or reader.clause[end] != reader.clause[end - 1]:
        return True
    if reader.kind[end] == "mark" or reader.text[end] in TIME_FOLLOWERS_HE:
        return True
    info = reader.info[end]
    return info is not None and info[1] in ("part", "day", "yom", "weekday", "now")


def _he_quarter(reader: _Reader, i: int) -> int:
    """A quarter to: "רבע לשלוש" (2:45), "רבע ל-8"."""
    hour, end = reader.family(i + 1, "hourword", ("ל",)), i + 2
    if hour is None and reader.text[i + 1] == "ל":
        j = i + 3 if reader.raw[i + 2] in ("-", "\u05be") else i + 2
        hour, end = (int(reader.raw[j]), j + 1) if reader.is_num(j) else (None, end)
    if hour is None or reader.info[i][0] not in ("", "ב"):
        return 0
    return reader.add_clock(i, end, Clock(hour - 1 if hour > 1 else 12, 45))


def _he_in(reader: _Reader, i: int) -> int:
    """Spans ahead: "בעוד יומיים", "בעוד 3 ימים", "בעוד שבוע", "בעוד שעה"."""
    span = reader.span_at(i + 1) if reader.info[i][0] in ("", "ב") else None
    return reader.add_span(i, span[0], span[1]) if span else 0


def _he_now(reader: _Reader, i: int) -> int:
    return reader.add_now(i, i + 1) if reader.info[i][0] in ("", "ו", "ב") else 0


def _he_how_much(reader: _Reader, i: int) -> int:
    """Now: "כמה שיותר מהר", "כמה שיותר מוקדם"."""
    if reader.text[i + 1] != "שיותר" or reader.text[i + 2] not in ("מהר", "מוקדם"):
        return 0
    return reader.add_now(i, i + 3)


def _en_day(reader: _Reader, i: int) -> int:
    return reader.add_day(i, i + 1, Day(reader.today + dt.timedelta(days=reader.info[i][2])))


def _en_morrow(reader: _Reader, i: int) -> int:
    """Tomorrow written "2morrow"."""
    if reader.raw[i - 1] != "2" or not reader.glued(i - 1):
        return 0
    return reader.add_day(i, i + 1, Day(reader.today + dt.timedelta(days=1)))


def _en_day_after(reader: _Reader, i: int) -> int:
    """The day after tomorrow."""
    if reader.text[i + 1] != "after" or reader.family(i + 2, "day") != 1:
        return 0
    return reader.add_day(i, i + 3, Day(reader.today + dt.timedelta(days=2)))


def _en_yesterday(reader: _Reader, i: int) -> int:
    """Yesterday asked for ("come yesterday") is past; else it tells the story (a marker)."""
    if reader.text[i - 1] not in ("come", "for"):
        return 0
    return reader.add_day(i, i + 1, Day(None, "past"))


def _en_weekday(reader: _Reader, i: int) -> int:
    if reader.text[i] in ("sun", "sat", "mon") and not reader.raw[i][0].isupper():
        return 0  # "the sun", "I sat": short forms only when capitalised
    return reader.add_day(i, i + 1, reader.weekday_day(i, reader.info[i][2]))


def _en_month(reader: _Reader, i: int) -> int:
    """A month's name before its day: "December 17th", "Dec 3", "Feb 29"."""
    month, j = reader.month_at(i), i + 1 + (reader.raw[i + 1] == ".")
    if month is None or not reader.is_num(j) or reader.raw[j + 1] in (":", "/", "."):
        return 0
    end = j + 2 if reader.text[j + 1] in ORDINALS and reader.glued(j) else j + 1
    return reader.add_day(i, end, day_month(reader.today, int(reader.raw[j]), month))


def _en_part(reader: _Reader, i: int) -> int:
    if reader.text[i - 1] in ("good", "every", "all", "each"):
        return 0
    return reader.add_part(i, i + 1, reader.info[i][2], today=reader.text[i - 1] == "this")


def _en_tonight(reader: _Reader, i: int) -> int:
    return reader.add_part(i, i + 1, "evening", today=True)


def _en_noon(reader: _Reader, i: int) -> int:
    return reader.add_clock(i, i + 1, Clock(12, 0, "pm"))


def _en_at(reader: _Reader, i: int) -> int:
    return reader.hour_after(i, strong=reader.text[i] == "at")


def _en_before(reader: _Reader, i: int) -> int:
    """An hour after "not before"."""
    return reader.hour_after(i, strong=False) if reader.text[i - 1] == "not" else 0


def _en_half(reader: _Reader, i: int) -> int:
    """Halves and quarters: "half past ten", "quarter past 4", "quarter to 9"."""
    direction, j = reader.text[i + 1], i + 2
    hour = int(reader.raw[j]) if reader.is_num(j) else HOUR_WORDS_EN.get(reader.text[j])
    if hour is None or direction not in ("past", "to"):
        return 0
    minute = reader.info[i][2]
    if direction == "to":
        hour, minute = (hour - 1 if hour > 1 else 12), 60 - minute
    return reader.add_clock(i, j + 1, Clock(hour, minute))


def _en_in(reader: _Reader, i: int) -> int:
    """Spans ahead: "in two days", "in 3 days", "in a week", "in an hour", "in half an hour"."""
    span = reader.span_at(i + 1)
    return reader.add_span(i, span[0], span[1]) if span else 0


def _en_span_from_now(reader: _Reader, i: int) -> int:
    return reader.span_from_now(i)


def _en_now(reader: _Reader, i: int) -> int:
    return reader.add_now(i, i + 1)


def _en_as(reader: _Reader, i: int) -> int:
    """Now: "as soon as possible"."""
    if (reader.text[i + 1], reader.text[i + 2], reader.text[i + 3]) != ("soon", "as", "possible"):
        return 0
    return reader.add_now(i, i + 4)


def _en_right(reader: _Reader, i: int) -> int:
    """Now: "right now", "right away"."""
    return reader.add_now(i, i + 2) if reader.text[i + 1] in ("now", "away") else 0


def _en_now_word(reader: _Reader, i: int) -> int:
    """The word now asks for now only after "come" or before a question or exclamation mark."""
    if reader.text[i - 1] in ("come", "here", "over") or reader.raw[i + 1] in ("?", "!"):
        return reader.add_now(i, i + 1)
    return 0


RULES = {
    **RULES_AR_RU,
    ("he", "day"): _he_day, ("he", "ago"): _he_ago, ("he", "yom"): _he_yom,
    ("he", "weekday"): _he_bare_weekday, ("he", "motzash"): _he_motzash,
    ("he", "part"): _he_part, ("he", "toward"): _he_toward, ("he", "after"): _he_after,
    ("he", "before"): _he_before, ("he", "at"): _he_at, ("he", "letter"): _he_at,
    ("he", "hour"): _he_hour, ("he", "hourword"): _he_hour_word, ("he", "quarter"): _he_quarter,
    ("he", "in"): _he_in, ("he", "now"): _he_now, ("he", "howmuch"): _he_how_much,
    ("en", "day"): _en_day, ("en", "morrow"): _en_morrow, ("en", "dayword"): _en_day_after,
    ("en", "ago"): _en_yesterday, ("en", "weekday"): _en_weekday, ("en", "month"): _en_month,
    ("en", "part"): _en_part, ("en", "tonight"): _en_tonight, ("en", "noon"): _en_noon,
    ("en", "at"): _en_at, ("en", "before"): _en_before, ("en", "half"): _en_half,
    ("en", "in"): _en_in, ("en", "count"): _en_span_from_now, ("en", "now"): _en_now,
    ("en", "as"): _en_as, ("en", "right"): _en_right, ("en", "nowword"): _en_now_word,
}  # fmt: skip
