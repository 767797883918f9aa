"""A pro's request to close or open times in the calendar, read from Hebrew or English.

"חסום מחר", "לא זמין היום אחרי 14:00", "חופש 20-24/12", "פתח שישי 8-12", "block tomorrow",
"not available today after 2pm", "off 20-24/12", "vacation Dec 20-24", "open Friday 8-12".
Built on the date reader's pieces (ai.offline_when: tokens, Hebrew prefixes, weekday and
month names, the nearest occurrence of a date, hours read inside working hours).

What is read
- The request starts the message (after "אני", "I'm", "please"):
  close: חסום/חסמי/לחסום, לא זמין/ה, לא פנוי/ה, לא עובד/ת, חופש/חופשה, סגור; block,
  not available, unavailable, not working, vacation, holiday, off, day off, close;
  open: פתח/פתחי/לפתוח, זמין/ה, פנוי/ה, עובד/ת; open, available, working.
  סגור ("agreed" in everyday Hebrew), off, זמין, available, עובד and working count only
  with a day or an hour after them; alone they are not a request.
- Days, one or more: היום, מחר, מחרתיים, today, tomorrow, the day after tomorrow; weekdays
  ("שישי", "ביום שישי", "יום ו'", "Friday", "on Fri"); dates ("20/12", "20.12.26",
  "20 בדצמבר", "Dec 20", "20th of December"); ranges ("20-24/12", "20/12-24/12",
  "20-24 בדצמבר", "Dec 20-24", "מ-20/12 עד 24/12", "from Dec 20 to Dec 24", "ראשון עד
  שלישי", "Sunday to Tuesday").
- Hours, at most one span: "אחרי 14:00", "after 2pm", "מ-14", "from 14:00" (to the end of
  the day); "עד 12", "לפני 12", "until noon", "before 12" (from its start); "8-12",
  "8:00-12:00", "מ-8 עד 12", "בין 8 ל-12", "from 8 to 12", "between 8 and 12"; when
  closing, a part of the day: בבוקר/morning (until 12:00), בצהריים/אחה"צ/afternoon
  (12:00-17:00), בערב/evening (from 17:00). Hours are read as the date reader reads them:
  am/pm as written, 13-23 and a leading zero as written, 1 to 7 as afternoon hours
  ("after 2" is 14:00), "24" as the end of the day.

How it is decided (a problem is asked back, never guessed)
- "no_day": no day was written (hours alone included).
- "unreadable": a day or an hour that cannot be read, a number left over, a lone hour
  ("חסום מחר ב-10": from when to when?), a span that ends before it starts, two spans,
  "except"/"חוץ מ", or a range with only its end ("חופש עד ראשון": is Sunday off?).
- "past": every day written is gone, or today's hours are over.
- "too_long": more than MAX_DAYS days.
- A request longer than MAX_TOKENS words, numbers and marks, or MAX_CHARS characters, is
  "unreadable" as a whole: a calendar change is a line, and a long message may say what
  this reader skips.
- "hours": opening by a part of the day ("פתח שישי בבוקר": which hours?).
- A range that began before today starts today; the days of a range of weekdays run
  forward ("חמישי עד ראשון" is Thursday to the Sunday after it).

Bounded time: only the first MAX_CHARS + 1 characters are split into tokens (by the date
reader's single pattern), and every rule looks at a bounded number of tokens from where it
starts.
"""

import datetime as dt
from dataclasses import dataclass, field

from ai.offline_when import (
    DAY_ENDS,
    LETTERS_HE,
    Clock,
    Day,
    clock_time,
    day_month,
    tokens,
    weekday_date,
    word_info,
)

CLOSE, OPEN = "close", "open"
MAX_DAYS = 31
MAX_TOKENS = 80  # words, numbers and marks: a request is a line, not a letter
MAX_CHARS = 500
PAD = 6

# Verbs: (action, strong). A weak verb is a request only with a day or an hour after it.
VERBS = {
    **dict.fromkeys(
        ["חסום", "חסמי", "תחסום", "תחסמי", "לחסום", "חסימה", "חסימת", "חופש", "חופשה",
         "בחופש", "בחופשה", "block", "unavailable", "vacation", "holiday", "holidays"],
        (CLOSE, True),
    ),
    **dict.fromkeys(
        ["סגור", "סגרי", "תסגור", "תסגרי", "לסגור", "off", "close", "closed"], (CLOSE, False)
    ),
    **dict.fromkeys(["פתח", "פתחי", "תפתח", "תפתחי", "לפתוח", "פתיחה", "פתיחת", "open"],
                    (OPEN, True)),
    **dict.fromkeys(["זמין", "זמינה", "פנוי", "פנויה", "עובד", "עובדת", "available",
                     "working"], (OPEN, False)),
}  # fmt: skip
NEGATED = {"זמין", "זמינה", "פנוי", "פנויה", "עובד", "עובדת", "available", "working", "free"}
NEGATIONS = {"לא", "not"}
LEADING = {"אני", "i", "i'm", "im", "am", "please", "pls", "בבקשה", "on", "a", "will", "be"}
DAY_OFF = ("day", "off")
# Words that change what the rest means in a way this reader does not follow.
EXCEPT = {"חוץ", "מלבד", "למעט", "except", "but", "besides", "excluding"}
RANGE_SEPARATORS = {"-", "\u2013", "\u05be", "עד", "to", "until", "till", "til", "through",
                    "thru"}  # fmt: skip
FROM_WORDS = {"מ", "מה", "from", "בין", "between", "החל", "starting"}
AFTER_WORDS = {"אחרי", "אחר", "מ", "מה", "from", "after", "since", "החל", "starting"}
UNTIL_WORDS = {"עד", "until", "till", "til", "before", "לפני"}
HOUR_LABELS = {"השעה", "שעה", "בשעה", "משעה", "מהשעה"}  # "אחרי השעה 14:00"
HOUR_JOINS = {"-", "\u2013", "\u05be", "עד", "to", "until", "till", "and", "ל", "ועד"}
BEFORE_DAY = {"this", "next", "coming", "the", "on"}  # "this Friday", "on the 20/12"
AFTER_WEEKDAY = {"הקרוב", "הקרובה", "הבא", "הבאה"}  # "שישי הקרוב"
PARTS = {  # when closing: (start hour, end hour); None is the day's edge
    "morning": (None, DAY_ENDS["morning"]),
    "afternoon": (DAY_ENDS["morning"], DAY_ENDS["afternoon"]),
    "evening": (DAY_ENDS["afternoon"], None),
}
ORDINALS = {"st", "nd", "rd", "th"}


@dataclass
class AvailabilityRequest:
    """What to do with which times: `start`/`end` None mean the day's edge (for opening,
    the edge of the pro's working hours)."""

    action: str
    days: list[dt.date] = field(default_factory=list)
    start: dt.time | None = None
    end: dt.time | None = None
    problem: str = ""  # "" | "no_day" | "unreadable" | "past" | "too_long" | "hours"


def read_availability(text: str, today: dt.date, now_time: dt.time) -> AvailabilityRequest | None:
    """The request in `text`, or None when the text is not one."""
    text = text or ""
    # Only the start is read of a text longer than any request; it can only be asked back.
    return _Reader(text[: MAX_CHARS + 1], today, now_time).read()


class _Reader:
    def __init__(self, text: str, today: dt.date, now_time: dt.time):
        self.today, self.now_time = today, now_time
        kinds, texts, raws, starts, ends = tokens(text)
        self.n = len(kinds)
        self.kind = kinds + [""] * PAD
        self.text = texts + [""] * PAD
        self.raw = raws + [""] * PAD
        self.start = starts + [-10] * PAD
        self.end = ends + [-20] * PAD
        self.info = [word_info(k, t) for k, t in zip(kinds, texts, strict=True)] + [None] * PAD
        self.days: list[dt.date] = []
        self.day_problems: list[str] = []
        self.spans: list[tuple[dt.time | None, dt.time | None]] = []
        self.part = ""
        self.unreadable = False

    # looking around

    def glued(self, i: int) -> bool:
        return self.end[i] == self.start[i + 1]

    def is_num(self, i: int, digits=(1, 2)) -> bool:
        return self.kind[i] == "num" and len(self.raw[i]) in digits

    def family(self, i: int, family: str, prefixes=("",)):
        info = self.info[i]
        if info is None or info[1] != family or info[0] not in prefixes:
            return None
        return info[2]

    def month_at(self, i: int) -> int | None:
        month = self.family(i, "month", ("", "ב", "ל"))
        return None if month == 5 and self.raw[i] == "may" else month

    # the whole message

    def read(self) -> AvailabilityRequest | None:
        verb = self._verb()
        if verb is None:
            return None
        action, strong, i = verb
        if self.n > MAX_TOKENS or self.end[self.n - 1] > MAX_CHARS:
            return AvailabilityRequest(action, problem="unreadable")
        while i < self.n:
            i = self._item(i)
        said_something = self.days or self.day_problems or self.spans or self.part
        said_something = said_something or self.unreadable
        if not strong and not said_something:
            return None
        request = AvailabilityRequest(action)
        request.problem = self._problem(request)
        return request

    def _verb(self) -> tuple[str, bool, int] | None:
        i = 0
        while i < self.n and self.text[i] in LEADING:
            i += 1
        text = self.text[i]
        if text in NEGATIONS and self.text[i + 1] in NEGATED:
            return CLOSE, True, i + 2
        if (text, self.text[i + 1]) == DAY_OFF:
            return CLOSE, False, i + 2
        if text in VERBS:
            action, strong = VERBS[text]
            return action, strong, i + 1
        return None

    def _item(self, i: int) -> int:
        """Read what starts at token i; the index after it."""
        if self.kind[i] == "mark":
            return i + 1  # marks join the pieces of an item; none starts one
        if self.text[i] in EXCEPT:
            self.unreadable = True
            return self.n
        if self.text[i] in FROM_WORDS and (found := self._day_range_from(i)):
            return found
        if self.text[i] in UNTIL_WORDS and self._day_at(i + 1):
            self.unreadable = True  # "חופש עד ראשון": is Sunday off too?
            return self.n
        if found := self._days_at(i):
            return found
        if found := self._hours_at(i):
            return found
        if found := self._part_at(i):
            return found
        if self.kind[i] == "num":
            self.unreadable = True  # a number this reader could not place
        return i + 1

    def _problem(self, request: AvailabilityRequest) -> str:
        if self.unreadable or len(self.spans) > 1 or (self.spans and self.part):
            return "unreadable"
        if self.part and request.action == OPEN:
            return "hours"
        if self.part:
            request.start, request.end = (_hour(h) for h in PARTS[self.part])
        elif self.spans:
            request.start, request.end = self.spans[0]
        if request.start and request.end and request.end <= request.start:
            return "unreadable"
        if self.day_problems:
            return "unreadable" if "unreadable" in self.day_problems else "past"
        ahead = sorted(set(self.days))  # every day read is today or later
        if not ahead:
            return "no_day"
        if (ahead[-1] - ahead[0]).days >= MAX_DAYS:
            return "too_long"
        if ahead == [self.today] and request.end is not None and request.end <= self.now_time:
            return "past"
        request.days = ahead
        return ""

    # days

    def _days_at(self, i: int) -> int:
        """One day, or a range of days: "20-24/12", "Dec 20-24", "20/12 עד 24/12"."""
        if found := self._dates_of_one_month(i):
            return found
        first = self._day_at(i)
        if first is None:
            return 0
        day, end, _weekday = first
        if self.text[end] in RANGE_SEPARATORS and (last := self._day_at(end + 1)):
            return self._add_range(first, last)
        self._add_day(day)
        return end

    def _day_range_from(self, i: int) -> int:
        """ "מ-20/12 עד 24/12", "from Sunday to Tuesday", "בין 20/12 ל-24/12"."""
        j = i + 1 + (self.raw[i + 1] in ("-", "\u05be") and self.glued(i))
        first = self._day_at(j)
        if first is None:
            return 0
        end = first[1]
        join = self.text[end]
        k = end + 1 + (join == "ל" and self.raw[end + 1] in ("-", "\u05be"))
        last = self._day_at(k) if join in RANGE_SEPARATORS | {"ל", "and"} else None
        if last is None:
            return 0
        return self._add_range(first, last)

    def _day_at(self, i: int) -> tuple[Day, int, bool] | None:
        """(the day written at i, the index after it, whether it is a weekday), or None."""
        while self.text[i] in BEFORE_DAY and self.kind[i + 1] in ("he", "en", "num"):
            i += 1
        if found := self._weekday(i):
            return (*found, True)
        found = (
            self._day_word(i)
            or self._numeric_date(i)
            or self._day_before_month(i)
            or self._month_before_day(i)
        )
        return (*found, False) if found else None

    def _day_word(self, i: int) -> tuple[Day, int] | None:
        if self.text[i : i + 3] == ["day", "after", "tomorrow"]:
            return Day(self.today + dt.timedelta(days=2)), i + 3
        days = self.family(i, "day", ("", "ל", "ב", "ו", "מ", "ול", "וב"))
        if days is None:
            return None
        return Day(self.today + dt.timedelta(days=days)), i + 1

    def _weekday(self, i: int) -> tuple[Day, int] | None:
        end = i + 1
        weekday = self.family(i, "weekday", ("", "ב", "ל", "ו", "וב", "ול", "מ"))
        if weekday is None and self.family(i, "yom", ("", "ב", "ל", "ו", "וב", "ול", "מ")) == 0:
            weekday, end = self.family(i + 1, "weekday"), i + 2
            if weekday is None and self.kind[i + 1] == "he" and self.text[i + 1] in LETTERS_HE:
                weekday = LETTERS_HE[self.text[i + 1]]  # "יום ו'"
        if weekday is None:
            return None
        end += self.text[end] in AFTER_WEEKDAY
        return weekday_date(self.today, weekday, False, False), end

    def _numeric_date(self, i: int) -> tuple[Day, int] | None:
        """ "20/12", "20.12", "20/12/2026", "20.12.26"."""
        sep = self.raw[i + 1]
        if not (self.is_num(i) and sep in ("/", ".") and self.glued(i) and self.glued(i + 1)):
            return None
        if not self.is_num(i + 2):
            return None
        year, end = "", i + 3
        if self.raw[end] == sep and self.glued(end - 1) and self.is_num(end + 1, (2, 4)):
            year, end = self.raw[end + 1], end + 2
        return day_month(self.today, int(self.raw[i]), int(self.raw[i + 2]), year), end

    def _day_before_month(self, i: int) -> tuple[Day, int] | None:
        """ "20 בדצמבר", "20th of December", "20 Dec"."""
        if not self.is_num(i):
            return None
        j = i + 1 + (self.text[i + 1] in ORDINALS and self.glued(i))
        j += self.text[j] == "of"
        month = self.month_at(j)
        if month is None:
            return None
        return day_month(self.today, int(self.raw[i]), month), j + 1

    def _month_before_day(self, i: int) -> tuple[Day, int] | None:
        """ "Dec 20", "December 20th"."""
        month = self.month_at(i)
        if month is None or not self.is_num(i + 1) or self.raw[i + 2] in (":", "/", "."):
            return None
        end = i + 2 + (self.text[i + 2] in ORDINALS and self.glued(i + 1))
        return day_month(self.today, int(self.raw[i + 1]), month), end

    def _dates_of_one_month(self, i: int) -> int:
        """Ranges inside one month: "20-24/12", "20-24.12.26", "20-24 בדצמבר", "Dec 20-24"."""
        month_first = self.month_at(i)
        j = i + 1 if month_first else i
        if not (self.is_num(j) and self.raw[j + 1] in ("-", "\u2013") and self.is_num(j + 2)):
            return 0
        first, last, end = int(self.raw[j]), int(self.raw[j + 2]), j + 3
        year = ""
        if month_first:
            month = month_first
        elif self.raw[end] in ("/", ".") and self.glued(end - 1) and self.is_num(end + 1):
            month, end = int(self.raw[end + 1]), end + 2
            if self.raw[end] == self.raw[end - 2] and self.is_num(end + 1, (2, 4)):
                year, end = self.raw[end + 1], end + 2
        elif (month := self.month_at(end)) is not None:
            end += 1
        else:
            return 0  # "8-12" is hours
        last_day = day_month(self.today, last, month, year)
        if last_day.date is None or first > last:
            self.day_problems.append(last_day.problem or "unreadable")
            return end
        self._add_dates(last_day.date.replace(day=first), last_day.date)
        return end

    def _add_range(self, first: tuple, last: tuple) -> int:
        """Every day from `first` to `last` (each as `_day_at` gives it)."""
        (start, _, weekdays), (finish, end, _) = first, last
        if start.problem == "unreadable" or finish.problem:
            self.day_problems.append(finish.problem or start.problem)
            return end
        first_date = start.date or self.today  # begun before today: the rest of it
        last_date = finish.date
        if weekdays and last_date < first_date:
            last_date += dt.timedelta(days=7)  # "חמישי עד ראשון": the Sunday after
        if last_date < first_date:
            self.day_problems.append("unreadable")
            return end
        self._add_dates(first_date, last_date)
        return end

    def _add_dates(self, first: dt.date, last: dt.date) -> None:
        first = max(first, self.today)  # a range begun before today: the rest of it
        if (last - first).days >= MAX_DAYS:
            self.days += [first, last]  # the length is checked once everything is read
            return
        self.days += [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]

    def _add_day(self, day: Day) -> None:
        if day.date is None:
            self.day_problems.append(day.problem)
        else:
            self.days.append(day.date)

    # hours

    def _hours_at(self, i: int) -> int:
        text = self.text[i]
        if text in ("לפני", "before") and self.family(i + 1, "part", ("ה", "")) == "afternoon":
            return self._set_part("morning", i + 2)  # "לפני הצהריים"
        if text in ("אחרי", "after") and self.family(i + 1, "part", ("ה", "")) == "afternoon":
            return self._set_part("afternoon", i + 2)  # "אחרי הצהריים"
        if text in ("בין", "between"):
            return self._hour_span(i + 1, need_end=True)
        if text in UNTIL_WORDS:
            found = self._time_at(self._after_label(i + 1))
            if found is None:
                return 0
            self.spans.append((None, found[0]))
            return found[1]
        if text in AFTER_WORDS:
            return self._hour_span(self._after_label(i + 1), need_end=False)
        if self.kind[i] == "num" or text in ("noon", "midday"):
            return self._hour_span(i, need_end=True, bare=True)
        return 0

    def _after_label(self, j: int) -> int:
        """Past "-" in "מ-14" / "עד-12" and "השעה" in "אחרי השעה 14:00"."""
        if self.raw[j] in ("-", "\u05be") and self.glued(j - 1):
            j += 1
        return j + (self.text[j] in HOUR_LABELS)

    def _hour_span(self, j: int, need_end: bool, bare: bool = False) -> int:
        first = self._time_at(j)
        if first is None:
            return 0
        start, k = first
        if start is None:  # "after 24"
            self.unreadable = True
            return k
        join = self.text[k]
        if join in HOUR_JOINS:
            last = self._time_at(self._after_label(k + 1))
            if last is not None:
                self.spans.append((start, last[0]))
                return last[1]
        if need_end:  # a lone hour: from when to when?
            self.unreadable = True
            return k if bare else 0
        self.spans.append((start, None))
        return k

    def _time_at(self, j: int) -> tuple[dt.time | None, int] | None:
        """(the hour written at j, the index after it); 24 is the day's end (None)."""
        if self.text[j] in ("noon", "midday"):
            return dt.time(12), j + 1
        if not self.is_num(j):
            return None
        hour, minute, end = int(self.raw[j]), 0, j + 1
        if (
            self.raw[end] == ":"
            and self.glued(j)
            and self.glued(end)
            and self.is_num(end + 1, (2,))
        ):
            minute, end = int(self.raw[end + 1]), end + 2
        elif self.raw[end] in ("/", ".") and self.glued(j):
            return None  # a date
        ampm = ""
        if self.text[end] in ("am", "pm"):
            ampm, end = self.text[end], end + 1
        if (hour, minute, ampm) == (24, 0, ""):
            return None, end
        exact = self.raw[j].startswith("0") or hour >= 13
        time = clock_time(Clock(hour, minute, ampm, exact=exact), "")
        return (time, end) if time is not None else None

    # parts of the day

    def _part_at(self, i: int) -> int:
        """ "בבוקר", "אחה"צ", "evening"; "הערב", "this evening" and "tonight" are today's."""
        part = self.family(i, "part", ("", "ב", "וב", "ה"))
        if self.text[i] == "this" and self.family(i + 1, "part") is not None:
            part, i = self.family(i + 1, "part"), i + 1
            self._add_day(Day(self.today))
        elif self.text[i] == "tonight":
            part = "evening"
            self._add_day(Day(self.today))
        elif part is not None and self.info[i][0] == "ה":
            self._add_day(Day(self.today))
        if part is None:
            return 0
        return self._set_part(part, i + 1)

    def _set_part(self, part: str, end: int) -> int:
        if self.part and self.part != part:
            self.unreadable = True
        self.part = part
        return end


def _hour(hour: int | None) -> dt.time | None:
    return None if hour is None else dt.time(hour)
