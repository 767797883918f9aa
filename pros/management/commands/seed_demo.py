"""`manage.py seed_demo [--once] [--days N]`: demo cities, pros, price lists and slots.

Idempotent: a second run finds every row by its natural key and creates nothing.
`make run` calls it with `--once`, so a manager's edits to the demo pros survive restarts.
"""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pros.demo_data import CITIES, DEFAULT_SLOT_MINUTES, PROS, SLOT_MINUTES
from pros.models import City, Pro
from pros.seeding import CREATED, UNCHANGED, UPDATED, upsert_city, upsert_pro
from scheduling.generation import generate_slots


def slot_length(record: dict) -> dt.timedelta:
    main_trade = record["trades"][0]
    return dt.timedelta(minutes=SLOT_MINUTES.get(main_trade, DEFAULT_SLOT_MINUTES))


class Command(BaseCommand):
    help = "Create or update the demo cities, pros, price lists and slots (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Do nothing if any pro exists already."
        )
        parser.add_argument(
            "--days", type=int, default=14, help="Days of slots to generate from today."
        )

    def handle(self, *args, once: bool, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        if once and Pro.objects.exists():
            self.stdout.write("seed_demo --once: pros exist already, nothing to do.")
            return
        city_outcomes = Counter(upsert_city(record) for record in CITIES)
        cities_by_slug = {city.slug: city for city in City.objects.all()}
        outcomes = [upsert_pro(record, cities_by_slug) for record in PROS]
        pro_outcomes = Counter(o.outcome for o in outcomes)
        prices = sum(o.price_items_created for o in outcomes)
        slots, kept = self._generate_slots(outcomes, days)
        self.stdout.write(
            f"Demo data: {len(CITIES)} cities ({city_outcomes[CREATED]} new); "
            f"{len(PROS)} pros ({pro_outcomes[CREATED]} created, "
            f"{pro_outcomes[UPDATED]} updated, {pro_outcomes[UNCHANGED]} unchanged); "
            f"{prices} price items created; {slots} slots created "
            f"({kept} existed) for {days} days."
        )

    def _generate_slots(self, outcomes, days: int) -> tuple[int, int]:
        # Today on Israel's calendar, whatever the server's clock zone.
        first_day = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
        created = existing = 0
        for record, outcome in zip(PROS, outcomes, strict=True):
            result = generate_slots(
                outcome.pro, first_day=first_day, days=days, duration=slot_length(record)
            )
            created += result.created
            existing += result.existing
        return created, existing
