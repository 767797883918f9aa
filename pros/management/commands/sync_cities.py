"""`manage.py sync_cities`: the cities of the gazetteer (ai/data/cities.json) as City rows.

Creates the cities that are missing (in one bulk insert) and renames those whose Hebrew
or English name changed, keyed on the slug; a second run changes nothing. Cities that
are not in the gazetteer (added in the admin, say) are left alone and counted: pros and
leads may point at them.
"""

from django.core.management.base import BaseCommand

from ai.gazetteer import CITIES
from pros.models import City
from pros.seeding import UPDATED, upsert_city


class Command(BaseCommand):
    help = "Create or update a City row for every city and local council in the gazetteer."

    def handle(self, *args, **options):
        records = [{"slug": c.slug, "name_he": c.name_he, "name_en": c.name_en} for c in CITIES]
        stored = {row.slug: row for row in City.objects.all()}
        missing = [City(**record) for record in records if record["slug"] not in stored]
        City.objects.bulk_create(missing)
        renamed = [
            record
            for record in records
            if (row := stored.get(record["slug"]))
            and (row.name_he, row.name_en) != (record["name_he"], record["name_en"])
        ]
        updated = sum(upsert_city(record) == UPDATED for record in renamed)
        others = len(stored.keys() - {record["slug"] for record in records})
        unchanged = len(records) - len(missing) - updated
        self.stdout.write(
            f"Gazetteer: {len(records)} cities ({len(missing)} created, {updated} updated, "
            f"{unchanged} unchanged); {others} other cities in the database left as they are."
        )
