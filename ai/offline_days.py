"""Days and clock times once they are read: which date a weekday, a day and month or a day
of the month is, whether it is past or unreadable, and which hour a clock time is inside
working hours. Shared by the date readers of every language (ai.offline_when and
ai.offline_when_ar_ru) and by ai.offline_availability through ai.offline_when.
"""

import datetime as dt
from dataclasses import dataclass

MAX_DAYS_AHEAD = 366


@dataclass
class Day:
    date: dt.date | None
    problem: str = ""  # "" | "past" | "unreadable"


@dataclass
class Clock:
    hour: int
    minute: int = 0
    ampm: str = ""
    exact: bool = False  # 24-hour time, or a moment counted from now: no working-hours rule


def clock_time(clock: Clock, part: str) -> dt.time | None:
    hour = _in_working_hours(clock, part)
    if hour is None or not 0 <= clock.minute < 60:
        return None
    return dt.time(hour, clock.minute)


def _in_working_hours(clock: Clock, part: str) -> int | None:
    hour = clock.hour
    if hour > 23 or (clock.ampm and not 1 <= hour <= 12):
        return None
    if clock.exact:
        return hour
    if clock.ampm:
        return hour % 12 + (12 if clock.ampm == "pm" else 0)
    if part == "evening" and hour == 12:
        return 0  # "12 בלילה": midnight
    if part in ("afternoon", "evening"):
        return hour + 12 if hour < 12 else hour
    if part == "morning":
        return hour
    return hour + 12 if 1 <= hour <= 7 else hour


def _checked(today: dt.date, date: dt.date | None) -> Day:
    if date is None or (date - today).days > MAX_DAYS_AHEAD:
        return Day(None, "unreadable")
    return Day(None, "past") if date < today else Day(date)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest(today: dt.date, candidates: list[dt.date | None]) -> Day:
    """The candidate nearest to today (a tie goes ahead); past if that one has gone."""
    dates = [d for d in candidates if d is not None]
    if not dates:
        return Day(None, "unreadable")
    return _checked(today, min(dates, key=lambda d: (abs((d - today).days), d < today)))


def day_month(today: dt.date, day: int, month: int, year: str = "") -> Day:
    if year:
        return _checked(today, _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return Day(None, "unreadable")
    return _nearest(today, [_safe_date(today.year + k, month, day) for k in (-1, 0, 1)])


def of_month(today: dt.date, day: int) -> Day:
    if not 1 <= day <= 31:
        return Day(None, "unreadable")
    this = _safe_date(today.year, today.month, day)
    if this is not None and this >= today:
        return Day(this)
    months = [today.year * 12 + today.month - 1 + k for k in (1, 2)]
    return _nearest(today, [this, *(_safe_date(m // 12, m % 12 + 1, day) for m in months)])


def weekday_date(today: dt.date, weekday: int, next_week: bool, today_said: bool) -> Day:
    if weekday == today.weekday() and today_said:
        return Day(today)
    if next_week:  # in the week after this one; weeks start on Sunday
        sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7 or 7)
        return Day(sunday + dt.timedelta(days=(weekday + 1) % 7))
    return Day(today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7))
