"""Bulk slot generation: working days only, on the wall clock of Israel.

Shabbat and Israel's public holidays (Rosh Hashana, Yom Kippur, Sukkot, Simchat Torah,
Pesach, Shavuot, Independence Day) are skipped unless asked. Fridays and holiday eves end
early. Times are built on the local calendar, so 08:00 stays 08:00 across Israel's clock
changes, and stored in UTC.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pros.models import WEEKDAYS, Pro
from scheduling.models import Slot

EVE_CUTOFF = dt.time(14, 0)  # Fridays and holiday eves: work ends before Shabbat/the holiday
SATURDAY = 5


def parse_hhmm(text: str) -> dt.time:
    try:
        hours, minutes = text.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)") from None


@dataclass
class GenerationResult:
    created: int = 0
    existing: int = 0
    skipped_days: dict[dt.date, str] = field(default_factory=dict)


def _rest_days(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    years = range(first.year, last.year + 2)
    return dict(holidays.country_holidays("IL", years=years, language="en_US").items())


def day_off_reason(day: dt.date, rest_days: dict[dt.date, str]) -> str:
    if day.weekday() == SATURDAY:
        return "Shabbat"
    return rest_days.get(day, "")


def rest_day(day: dt.date) -> str:
    """Why `day` is a day off ("Shabbat" or the holiday's name), or "" for a working day."""
    return day_off_reason(day, _rest_days(day, day))


def _windows(pro, day, start, end):
    """The working windows of one day: the given hours, or the pro's own."""
    if start and end:
        return [(start, end)]
    key = WEEKDAYS[(day.weekday() + 1) % 7]  # Python's Monday=0; WEEKDAYS starts on Sunday
    return [(parse_hhmm(a), parse_hhmm(b)) for a, b in (pro.working_hours or {}).get(key, [])]


def _aware(local: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a local wall-clock time; None for times the clock skips."""
    instant = local.replace(tzinfo=tz).astimezone(dt.UTC)
    return instant if instant.astimezone(tz).replace(tzinfo=None) == local else None


def candidate_starts(pro, day, start, end, duration, early_close) -> list[tuple]:
    """(start, end) in UTC for each slot of the day; a slot lasts `duration` of real time."""
    tz = ZoneInfo(settings.TIME_ZONE)
    slots = []
    for window_start, window_end in _windows(pro, day, start, end):
        if early_close:
            window_end = min(window_end, EVE_CUTOFF)
        cursor = dt.datetime.combine(day, window_start)
        limit = dt.datetime.combine(day, window_end)
        while cursor + duration <= limit:
            instant = _aware(cursor, tz)
            if instant is not None:
                slots.append((instant, instant + duration))
            cursor += duration
    return slots


def generate_slots(
    pro: Pro,
    *,
    first_day: dt.date,
    days: int,
    duration: dt.timedelta,
    start: dt.time | None = None,
    end: dt.time | None = None,
    include_holidays: bool = False,
    not_before: dt.datetime | None = None,
) -> GenerationResult:
    """Create the pro's free slots for `days` days from `first_day`. Idempotent.

    `include_holidays` also generates on Shabbat and holidays, with no early close on
    their eves. Slots that would start before `not_before` (default: now), or overlap a
    slot the pro already has (say, one made earlier with another duration), are left out.
    """
    if duration <= dt.timedelta(0):
        raise ValueError("duration must be positive")
    last_day = first_day + dt.timedelta(days=days - 1)
    rest_days = {} if include_holidays else _rest_days(first_day, last_day)
    result = GenerationResult()
    wanted = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        reason = day_off_reason(day, rest_days)
        if reason and not include_holidays:
            result.skipped_days[day] = reason
            continue
        tomorrow = day + dt.timedelta(days=1)
        early_close = not include_holidays and (
            day.weekday() == SATURDAY - 1 or bool(day_off_reason(tomorrow, rest_days))
        )
        wanted += candidate_starts(pro, day, start, end, duration, early_close)
    not_before = not_before or timezone.now()
    wanted = [(s, e) for s, e in wanted if s >= not_before]
    if not wanted:
        return result
    taken = list(
        Slot.objects.filter(pro=pro, start__lt=wanted[-1][1], end__gt=wanted[0][0]).values_list(
            "start", "end"
        )
    )
    new = [Slot(pro=pro, start=s, end=e) for s, e in wanted if not _overlaps(s, e, taken)]
    result.existing = len(wanted) - len(new)
    result.created = _create(pro, new)
    return result


def _overlaps(start, end, taken) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in taken)


def _create(pro, slots: list[Slot]) -> int:
    if not slots:
        return 0
    try:
        with transaction.atomic():
            Slot.objects.bulk_create(slots)
        return len(slots)
    except IntegrityError:
        # Another generator ran at the same time (on MongoDB the rows before the clash may
        # be in): add what is still missing one by one.
        starts = [slot.start for slot in slots]
        there = set(Slot.objects.filter(pro=pro, start__in=starts).values_list("start", flat=True))
        created = 0
        for slot in slots:
            if slot.start in there:
                continue
            try:
                with transaction.atomic():
                    slot.save(force_insert=True)
                created += 1
            except IntegrityError:
                pass
        return created
