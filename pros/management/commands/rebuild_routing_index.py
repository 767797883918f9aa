"""`manage.py rebuild_routing_index`: the routing index recomputed from the pros' rows.

Every entry (pro × city served × trade, with the smoothed rating and whether the pro takes
jobs) is compared with what the pro, its service areas and its trades call for: missing
entries are added, stale ones updated, entries of cities or trades no longer served
removed. It prints each fix and the totals; a second run fixes nothing. Safe while the
system runs: entries are upserted by their unique (pro, city, trade).
"""

from django.core.management.base import BaseCommand

from pros import routing_index


class Command(BaseCommand):
    help = "Bring the routing index in step with the pros, their cities and trades."

    def handle(self, *args, **options):
        fixes = routing_index.rebuild()
        for verb, keys in (
            ("added", fixes.added),
            ("updated", fixes.updated),
            ("removed", fixes.removed),
        ):
            for pro_id, city_id, trade in keys:
                self.stdout.write(f"{verb:<8} pro {pro_id} city {city_id} trade {trade}")
        total = routing_index.RoutingEntry.objects.count()
        self.stdout.write(
            f"Routing index: {len(fixes.added)} added, {len(fixes.updated)} updated, "
            f"{len(fixes.removed)} removed; {total} entries."
        )
