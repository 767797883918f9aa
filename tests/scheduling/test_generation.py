import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling.generation import generate_slots, parse_hhmm
from scheduling.models import Slot
from tests.factories import ProFactory, SlotFactory

ISRAEL = ZoneInfo("Asia/Jerusalem")
HOUR = dt.timedelta(hours=1)

# Quiet dates of 2026 (no holiday near them) and the ones the calendar makes special.
FRIDAY = dt.date(2026, 1, 9)
SATURDAY = dt.date(2026, 1, 10)
SUNDAY = dt.date(2026, 1, 11)
MONDAY = dt.date(2026, 1, 12)
YOM_KIPPUR = dt.date(2026, 9, 21)
YOM_KIPPUR_EVE = dt.date(2026, 9, 20)  # a Sunday
ORDINARY_SUNDAY = dt.date(2026, 9, 6)
SPRING_FORWARD = dt.date(2026, 3, 27)  # Friday, 02:00 -> 03:00
FALL_BACK = dt.date(2026, 10, 25)  # Sunday, 02:00 -> 01:00


@pytest.fixture
def pro(db):
    return ProFactory()  # default hours: Sun-Thu 08:00-18:00, Fri 08:00-13:00


def generate(pro, first_day, days=1, duration=HOUR, start=None, end=None, **kwargs):
    # These calendar cases lie in the past; generation normally skips past times.
    kwargs.setdefault("not_before", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    return generate_slots(
        pro,
        first_day=first_day,
        days=days,
        duration=duration,
        start=parse_hhmm(start) if start else None,
        end=parse_hhmm(end) if end else None,
        **kwargs,
    )


def local_times(pro, day: dt.date) -> list[str]:
    starts = (slot.start.astimezone(ISRAEL) for slot in Slot.objects.filter(pro=pro))
    return sorted(f"{s:%H:%M}" for s in starts if s.date() == day)


def utc_starts(pro) -> list[dt.datetime]:
    return [slot.start.astimezone(dt.UTC) for slot in Slot.objects.filter(pro=pro)]


def test_shabbat_is_skipped_even_with_explicit_hours(pro):
    result = generate(pro, FRIDAY, days=3, start="08:00", end="18:00")

    assert local_times(pro, SATURDAY) == []
    assert result.skipped_days == {SATURDAY: "Shabbat"}
    assert len(local_times(pro, SUNDAY)) == 10


def test_a_holiday_is_skipped(pro):
    result = generate(pro, YOM_KIPPUR)

    assert result.created == 0
    assert result.skipped_days == {YOM_KIPPUR: "Yom Kippur"}


def test_a_holiday_is_worked_when_asked(pro):
    result = generate(pro, YOM_KIPPUR, include_holidays=True)

    assert result.created == 10
    assert local_times(pro, YOM_KIPPUR)[-1] == "17:00"


def test_friday_ends_at_two(pro):
    generate(pro, FRIDAY, start="08:00", end="18:00")

    assert local_times(pro, FRIDAY) == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"]


def test_a_holiday_eve_ends_at_two(pro):
    generate(pro, YOM_KIPPUR_EVE)
    generate(pro, ORDINARY_SUNDAY)

    assert local_times(pro, YOM_KIPPUR_EVE)[-1] == "13:00"
    assert local_times(pro, ORDINARY_SUNDAY)[-1] == "17:00"


def test_the_pros_own_hours_are_used_with_split_windows(db):
    pro = ProFactory(working_hours={"mon": [["09:00", "12:00"], ["16:00", "18:00"]]})

    generate(pro, MONDAY)

    assert local_times(pro, MONDAY) == ["09:00", "10:00", "11:00", "16:00", "17:00"]


def test_explicit_hours_replace_the_pros_own(db):
    pro = ProFactory(working_hours={"mon": [["09:00", "12:00"]], "tue": []})

    generate(pro, MONDAY, days=2, start="10:00", end="13:00")

    assert local_times(pro, MONDAY) == ["10:00", "11:00", "12:00"]
    assert local_times(pro, MONDAY + dt.timedelta(days=1)) == ["10:00", "11:00", "12:00"]


def test_a_day_without_hours_gets_no_slots(db):
    pro = ProFactory(working_hours={"mon": [], "tue": [["08:00", "10:00"]]})

    result = generate(pro, MONDAY, days=2)

    assert result.created == 2
    assert local_times(pro, MONDAY) == []


def test_a_second_run_creates_nothing(pro):
    first = generate(pro, SUNDAY, days=7)

    second = generate(pro, SUNDAY, days=7)

    assert first.created == 10 * 5 + 5  # Sunday-Thursday, and Friday until 13:00
    assert second.created == 0
    assert second.existing == first.created
    assert Slot.objects.filter(pro=pro).count() == first.created


def test_existing_slots_are_kept_and_the_rest_added(pro):
    nine = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=ISRAEL)
    SlotFactory(pro=pro, start=nine, end=nine + HOUR, closed=True)

    result = generate(pro, MONDAY)

    assert (result.created, result.existing) == (9, 1)
    assert Slot.objects.get(pro=pro, start=nine).closed


def test_spring_forward_keeps_eight_oclock_local(pro):
    generate(pro, SPRING_FORWARD - dt.timedelta(days=1), days=4, start="08:00", end="09:00")

    assert utc_starts(pro) == [
        dt.datetime(2026, 3, 26, 6, 0, tzinfo=dt.UTC),  # Thursday, UTC+2
        dt.datetime(2026, 3, 27, 5, 0, tzinfo=dt.UTC),  # Friday, UTC+3 from 02:00
        dt.datetime(2026, 3, 29, 5, 0, tzinfo=dt.UTC),  # Sunday (Saturday skipped)
    ]


def test_fall_back_keeps_eight_oclock_local(pro):
    generate(pro, FALL_BACK - dt.timedelta(days=3), days=4, start="08:00", end="09:00")

    assert utc_starts(pro) == [
        dt.datetime(2026, 10, 22, 5, 0, tzinfo=dt.UTC),  # Thursday, UTC+3
        dt.datetime(2026, 10, 23, 5, 0, tzinfo=dt.UTC),  # Friday
        dt.datetime(2026, 10, 25, 6, 0, tzinfo=dt.UTC),  # Sunday, UTC+2 from 02:00
    ]


def test_slots_last_exactly_their_duration_across_clock_changes(pro):
    generate(pro, SPRING_FORWARD, days=3, duration=dt.timedelta(minutes=90))
    generate(pro, FALL_BACK, days=1, duration=dt.timedelta(minutes=90))

    lengths = {slot.end - slot.start for slot in Slot.objects.filter(pro=pro)}
    assert lengths == {dt.timedelta(minutes=90)}


def test_a_duration_longer_than_the_window_creates_none(pro):
    result = generate(pro, MONDAY, start="08:00", end="09:00", duration=dt.timedelta(minutes=90))

    assert result.created == 0
    assert not Slot.objects.exists()


def test_a_duration_must_be_positive(pro):
    with pytest.raises(ValueError, match="positive"):
        generate(pro, MONDAY, duration=dt.timedelta(0))


@pytest.mark.parametrize("text", ["8", "25:00", "08:60", "eight:00", "08:00:00", ""])
def test_invalid_times_of_day_are_refused(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(text)


def test_invalid_working_hours_are_refused(db):
    pro = ProFactory(working_hours={"mon": [["9am", "5pm"]]})

    with pytest.raises(ValueError, match="HH:MM"):
        generate(pro, MONDAY)


def test_past_times_are_not_generated(pro):
    today = dt.datetime.now(ISRAEL).date()

    generate_slots(
        pro,
        first_day=today - dt.timedelta(days=3),
        days=3,
        duration=HOUR,
        start=parse_hhmm("00:00"),
        end=parse_hhmm("23:00"),
    )

    assert not Slot.objects.filter(pro=pro).exists()


def test_a_longer_duration_does_not_overlap_earlier_slots(pro):
    generate(pro, MONDAY)

    result = generate(pro, MONDAY, duration=dt.timedelta(minutes=90))

    assert result.created == 0
    assert local_times(pro, MONDAY)[:2] == ["08:00", "09:00"]
