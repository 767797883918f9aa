"""`manage.py sync_cities`: the cities of the gazetteer (ai/data/cities.json) as City rows.

Creates the cities that are missing (in one bulk insert) and updates those whose names,
coordinates or Arabic and Russian names changed, keyed on the slug; a second run changes
nothing. Cities that are not in the gazetteer (added in the admin, say) are left alone
and counted: pros and leads may point at them. When cities were created or moved, the
service areas of pros who serve "within N km" of a base city follow.
"""

from django.core.management.base import BaseCommand

from ai.data import load_cities
from pros import geo
from pros.models import City
from pros.seeding import UPDATED, city_values, upsert_city


class Command(BaseCommand):
    help = "Create or update a City row for every city and local council in the gazetteer."

    def handle(self, *args, **options):
        records = load_cities()
        stored = {row.slug: row for row in City.objects.all()}
        missing = [
            City(slug=record["slug"], **city_values(record))
            for record in records
            if record["slug"] not in stored
        ]
        City.objects.bulk_create(missing)
        changed = [
            record
            for record in records
            if (row := stored.get(record["slug"]))
            and any(getattr(row, f) != v for f, v in city_values(record).items())
        ]
        updated = sum(upsert_city(record) == UPDATED for record in changed)
        others = len(stored.keys() - {record["slug"] for record in records})
        unchanged = len(records) - len(missing) - updated
        areas = geo.sync_all_radius_areas() if missing or updated else geo.AreaChange()
        self.stdout.write(
            f"Gazetteer: {len(records)} cities ({len(missing)} created, {updated} updated, "
            f"{unchanged} unchanged); {others} other cities in the database left as they are."
        )
        if areas:
            self.stdout.write(
                f"Pros' radius areas: {len(areas.added)} added, {len(areas.removed)} removed."
            )
