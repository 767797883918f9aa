import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fixi.vocabulary import TRADES
from pros.models import City, PriceItem, Pro, ProTrade, ServiceArea
from scheduling.models import Slot
from tests.factories import ProFactory

ISRAEL = ZoneInfo("Asia/Jerusalem")
HEBREW_LETTERS = re.compile(r"[\u05d0-\u05ea]")
# One day of slots keeps these tests quick on the MongoDB emulator, whose inserts slow
# down as a collection grows; the slot test below seeds a full week.
DAYS = 1
WEEK = 7


def seed(*args: str, days: int = DAYS) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--days", str(days), *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [City, Pro, ProTrade, ServiceArea, PriceItem, Slot]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(db):
    seed()


def test_demo_has_enough_pros_and_cities(seeded):
    assert Pro.objects.count() >= 12
    assert City.objects.count() >= 6
    assert City.objects.filter(slug="tel-aviv", name_en="Tel Aviv-Yafo").exists()


def test_every_trade_has_an_active_pro(seeded):
    covered = set(ProTrade.objects.filter(pro__active=True).values_list("trade", flat=True))

    assert covered == set(TRADES)


def test_haifa_has_a_choice_of_plumbers(seeded):
    haifa_plumbers = Pro.objects.filter(
        active=True, service_areas__city__slug="haifa", trades__trade="plumbing"
    )

    assert haifa_plumbers.count() >= 2


def test_demo_has_a_newcomer_and_an_inactive_pro(seeded):
    assert Pro.objects.filter(active=True, review_count__lt=10).exists()
    assert Pro.objects.filter(active=False).exists()
    assert Pro.objects.filter(max_load__isnull=False).exists()


def test_pros_speak_hebrew_and_use_demo_numbers(seeded):
    for pro in Pro.objects.all():
        assert HEBREW_LETTERS.search(pro.name), pro.name
        assert HEBREW_LETTERS.search(pro.persona), pro.name
        assert pro.phone.startswith("972505550"), pro.phone
        assert pro.chat_id == f"{pro.phone}@c.us"


def test_every_pro_has_a_price_list_with_positive_prices(seeded):
    for pro in Pro.objects.all():
        items = list(pro.price_items.all())
        assert 3 <= len(items) <= 5, pro.name
        assert all(item.price > 0 for item in items), pro.name
        assert all(HEBREW_LETTERS.search(item.service) for item in items), pro.name


def test_running_twice_changes_nothing(seeded):
    before = counts()
    stamps = dict(Pro.objects.values_list("phone", "updated_at"))

    output = seed()

    assert counts() == before
    assert dict(Pro.objects.values_list("phone", "updated_at")) == stamps
    assert "0 created, 0 updated" in output
    assert "0 slots created" in output


def test_a_second_run_repairs_edited_demo_rows(seeded):
    # Given a manager changed a demo pro and deleted one of its prices
    pro = Pro.objects.get(phone="972505550101")
    Pro.objects.filter(pk=pro.pk).update(rating=1.0)
    pro.price_items.order_by("price").first().delete()

    # When the seed runs again
    output = seed()

    # Then the demo values are back, without duplicates
    pro.refresh_from_db()
    assert pro.rating == 4.8
    assert pro.price_items.count() == 5
    assert "1 updated" in output


def test_once_skips_when_pros_exist(db):
    ProFactory()

    output = seed("--once")

    assert "nothing to do" in output
    assert Pro.objects.count() == 1
    assert not City.objects.exists()


def test_once_seeds_an_empty_database(db):
    seed("--once")

    assert Pro.objects.count() >= 12


def test_days_must_be_positive(db):
    with pytest.raises(CommandError, match="--days"):
        call_command("seed_demo", "--days", "0", stdout=io.StringIO())


def test_a_week_of_slots_of_each_trades_length_never_on_shabbat(db):
    seed(days=WEEK)
    today = timezone.localdate(timezone=ISRAEL)
    local_days = {slot.start.astimezone(ISRAEL).date() for slot in Slot.objects.all()}

    # A week always holds at least four working days, even around the autumn holidays.
    assert len(local_days) >= 4
    assert min(local_days) >= today
    assert max(local_days) < today + dt.timedelta(days=WEEK)
    assert all(day.weekday() != 5 for day in local_days)
    for pro in Pro.objects.filter(active=True):
        lengths = {slot.end - slot.start for slot in pro.slots.all()}
        assert len(lengths) == 1, pro.name
    sealer = Pro.objects.get(trades__trade="sealing", service_areas__city__slug="beer-sheva")
    assert sealer.slots.first().end - sealer.slots.first().start == dt.timedelta(minutes=120)
