import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scheduling.models import Slot
from tests.factories import ProFactory


def next_weekday(weekday: int) -> dt.date:
    """The first such weekday (Monday=0) at least a week ahead: never in the past."""
    day = timezone.localdate() + dt.timedelta(days=7)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


FRIDAY = 4
TWO_HOURS = ["--start", "08:00", "--end", "10:00", "--duration", "60"]


def run(*args) -> str:
    out = io.StringIO()
    call_command("generate_slots", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pro(db):
    return ProFactory(name="Avi Cohen", phone="0521234567")


def test_generates_for_one_pro_and_is_idempotent(pro):
    other = ProFactory()
    args = ["--pro", str(pro.pk), "--days", "1", "--include-holidays", *TWO_HOURS]

    first = run(*args, "--from", f"{next_weekday(0):%Y-%m-%d}")
    second = run(*args, "--from", f"{next_weekday(0):%Y-%m-%d}")

    assert first.strip() == "Avi Cohen (972521234567): 2 created, 0 existing"
    assert second.strip() == "Avi Cohen (972521234567): 0 created, 2 existing"
    assert Slot.objects.filter(pro=pro).count() == 2
    assert not Slot.objects.filter(pro=other).exists()


@pytest.mark.parametrize("phone", ["052-123-4567", "+972 52 123 4567", "972521234567@c.us"])
def test_pro_by_phone_in_any_israeli_format(pro, phone):
    # A future day: today's hours may already be over when the suite runs.
    day = f"{next_weekday(0):%Y-%m-%d}"
    output = run("--pro", phone, "--days", "1", "--include-holidays", *TWO_HOURS, "--from", day)

    assert output.startswith("Avi Cohen (972521234567): ")
    assert Slot.objects.filter(pro=pro).exists()


def test_every_active_pro_by_its_own_hours_and_shabbat_skipped(pro):
    inactive = ProFactory(active=False)
    friday = next_weekday(FRIDAY)

    output = run("--days", "2", "--duration", "60", "--from", f"{friday:%Y-%m-%d}")

    saturday = friday + dt.timedelta(days=1)
    assert f"skipped {saturday:%Y-%m-%d} Shabbat" in output
    assert "Avi Cohen" in output
    assert inactive.name not in output
    assert not Slot.objects.filter(pro=inactive).exists()


def test_unknown_pro_is_an_error(db):
    with pytest.raises(CommandError, match="No pro"):
        run("--pro", "0509999999", "--days", "1", *TWO_HOURS)
    with pytest.raises(CommandError, match="No pro"):
        run("--pro", "nobody", "--days", "1", *TWO_HOURS)


@pytest.mark.parametrize("bad", ["8", "25:00", "eight:00", "08:61"])
def test_bad_time_is_an_error(pro, bad):
    with pytest.raises(CommandError, match="--start"):
        run("--days", "1", "--start", bad, "--end", "10:00", "--duration", "60")


def test_start_without_end_is_an_error(pro):
    with pytest.raises(CommandError, match="both --start and --end"):
        run("--days", "1", "--start", "08:00", "--duration", "60")
