"""`manage.py sync_cities`: the cities of the gazetteer (ai/data/cities.json) as City rows.

Creates the cities that are missing and renames those whose Hebrew or English name
changed, keyed on the slug; a second run changes nothing. Cities that are not in the
gazetteer (added in the admin, say) are left alone and counted: pros and leads may
point at them.
"""

from collections import Counter

from django.core.management.base import BaseCommand

from ai.gazetteer import CITIES
from pros.models import City
from pros.seeding import CREATED, UNCHANGED, UPDATED, upsert_city


class Command(BaseCommand):
    help = "Create or update a City row for every city and local council in the gazetteer."

    def handle(self, *args, **options):
        outcomes = Counter(
            upsert_city({"slug": city.slug, "name_he": city.name_he, "name_en": city.name_en})
            for city in CITIES
        )
        known = {city.slug for city in CITIES}
        others = City.objects.exclude(slug__in=known).count()
        self.stdout.write(
            f"Gazetteer: {len(CITIES)} cities ({outcomes[CREATED]} created, "
            f"{outcomes[UPDATED]} updated, {outcomes[UNCHANGED]} unchanged); "
            f"{others} other cities in the database left as they are."
        )
