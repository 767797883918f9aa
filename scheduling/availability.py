"""Closing and opening a pro's times: what a request would change, and changing exactly that.

Layer 2: takes a pro, days and hours (ai.offline_availability reads them from the pro's
words), knows nothing of leads beyond the id a booked slot holds.

A plan names slots, not a range: the free slots to close, the closed free slots to open,
the new slots to add where opened hours have none, and the booked slots in the range,
which are never touched (a job is moved by a manager or the pro). Applying it later
changes those slots and no others, each by one conditional update whose row count is
checked (DESIGN.md, data layer):

- close: `filter(pk, pro, lead IS NULL, closed=False, start > now).update(closed=True)`;
- open: `filter(pk, pro, lead IS NULL, closed=True, start > now).update(closed=False)`.

A booking claims a slot with `filter(lead IS NULL, closed=False, ...)` (scheduling.booking),
so a slot ends up claimed or closed, never both: if the claim lands first the close matches
no row and the job keeps its slot; if the close lands first the claim matches none. Slots
booked, closed or started between the plan and its confirmation are counted as skipped.
New slots are added only where no slot of the pro overlaps them (as slot generation does),
and the pro-and-start unique constraint keeps two confirmations from adding one twice.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pros.models import WEEKDAYS
from scheduling.generation import candidate_starts, parse_hhmm
from scheduling.models import Slot

DEFAULT_SLOT_LENGTH = dt.timedelta(minutes=60)
RECENT_SLOTS = 20  # a pro's usual slot length is read from this many of their latest slots


@dataclass
class Plan:
    close: list[Slot] = field(default_factory=list)
    reopen: list[Slot] = field(default_factory=list)
    create: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    booked: list[Slot] = field(default_factory=list)
    problem: str = ""  # "hours": opening a day the pro does not work, with no hours given

    @property
    def changes(self) -> int:
        return len(self.close) + len(self.reopen) + len(self.create)


@dataclass
class Applied:
    closed: int = 0
    opened: int = 0
    created: int = 0
    skipped: int = 0  # booked, closed, opened or started since the plan was made


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant of a wall-clock time on `day` in Israel."""
    return timezone.make_aware(dt.datetime.combine(day, time), _tz())


def _window(day: dt.date, start: dt.time | None, end: dt.time | None) -> tuple:
    """From `start` (None: the day's first moment) to `end` (None: the next midnight)."""
    first = _at(day, start or dt.time())
    last = _at(day + dt.timedelta(days=1), dt.time()) if end is None else _at(day, end)
    return first, last


def working_span(pro, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """From the start of the pro's first working window of `day` to the end of the last."""
    key = WEEKDAYS[(day.weekday() + 1) % 7]  # Python's Monday=0; WEEKDAYS starts on Sunday
    windows = [(parse_hhmm(a), parse_hhmm(b)) for a, b in (pro.working_hours or {}).get(key, [])]
    if not windows:
        return None
    return min(a for a, _ in windows), max(b for _, b in windows)


def usual_slot_length(pro) -> dt.timedelta:
    """The length most of the pro's latest slots have (their slots were generated with it)."""
    latest = Slot.objects.filter(pro=pro).order_by("-start").values_list("start", "end")
    lengths = Counter(end - start for start, end in latest[:RECENT_SLOTS])
    return lengths.most_common(1)[0][0] if lengths else DEFAULT_SLOT_LENGTH


def _overlapping(pro, start: dt.datetime, end: dt.datetime):
    return Slot.objects.filter(pro=pro, start__lt=end, end__gt=start)


def plan_close(pro, days: list[dt.date], start, end, now: dt.datetime) -> Plan:
    """Close every free open future slot that overlaps the hours on those days; list the
    booked ones there."""
    plan = Plan()
    for day in days:
        slots = _overlapping(pro, *_window(day, start, end)).filter(start__gt=now)
        for slot in slots.order_by("start"):
            if slot.lead_id is not None:
                plan.booked.append(slot)
            elif not slot.closed:
                plan.close.append(slot)
    return plan


def plan_open(pro, days: list[dt.date], start, end, now: dt.datetime) -> Plan:
    """Open the closed free slots inside the hours and add slots of the pro's usual length
    where no slot is. Hours not given are the edges of the pro's working hours that day."""
    plan = Plan()
    length = usual_slot_length(pro)
    for day in days:
        span = working_span(pro, day)
        if (start is None or end is None) and span is None:
            return Plan(problem="hours")
        first = start if start is not None else span[0]
        last = end if end is not None else span[1]
        if last <= first:
            return Plan(problem="hours")
        window_start, window_end = _window(day, first, last)
        there = list(_overlapping(pro, window_start, window_end).order_by("start"))
        plan.reopen += [
            s
            for s in there
            if s.closed and s.lead_id is None and s.start > now
            if window_start <= s.start and s.end <= window_end
        ]
        taken = [(s.start, s.end) for s in there]
        plan.create += [
            (s, e)
            for s, e in candidate_starts(pro, day, first, last, length, early_close=False)
            if s > now and not _overlaps(s, e, taken)
        ]
    return plan


def _overlaps(start, end, taken) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in taken)


def close_slots(pro_id, slot_ids, now: dt.datetime) -> int:
    """Close these slots of the pro that are still free, open and ahead; the number closed."""
    closed = 0
    for slot_id in slot_ids:
        closed += Slot.objects.filter(
            pk=slot_id, pro_id=pro_id, lead__isnull=True, closed=False, start__gt=now
        ).update(closed=True, updated_at=now)
    return closed


def open_slots(pro_id, slot_ids, now: dt.datetime) -> int:
    """Open these slots of the pro that are still closed, free and ahead; the number opened."""
    opened = 0
    for slot_id in slot_ids:
        opened += Slot.objects.filter(
            pk=slot_id, pro_id=pro_id, lead__isnull=True, closed=True, start__gt=now
        ).update(closed=False, updated_at=now)
    return opened


def add_slots(pro, times: list[tuple[dt.datetime, dt.datetime]], now: dt.datetime) -> int:
    """Add free slots at these times where none of the pro's slots overlaps them by now;
    the number added."""
    added = 0
    for start, end in times:
        if start <= now or _overlapping(pro, start, end).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint for the IntegrityError, not a lock
                Slot.objects.create(pro=pro, start=start, end=end)
            added += 1
        except IntegrityError:
            pass  # another confirmation added it a moment ago
    return added


def apply(pro, close_ids, open_ids, create, now: dt.datetime) -> Applied:
    """Make the planned change; what changed and how many planned slots had moved on."""
    applied = Applied(
        closed=close_slots(pro.pk, close_ids, now),
        opened=open_slots(pro.pk, open_ids, now),
        created=add_slots(pro, create, now),
    )
    planned = len(close_ids) + len(open_ids) + len(create)
    applied.skipped = planned - applied.closed - applied.opened - applied.created
    return applied
