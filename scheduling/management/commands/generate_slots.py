"""`manage.py generate_slots [--pro ID|PHONE] --days N --duration MIN [--start HH:MM --end HH:MM]
[--include-holidays] [--from YYYY-MM-DD]`: bulk slot generation.

Without --pro, every active pro gets slots; without --start/--end, each pro's own working
hours are used. Shabbat and Jewish holidays are skipped unless --include-holidays.
Idempotent: slots that exist already are counted, not made again.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pros.models import Pro
from scheduling.generation import generate_slots, parse_hhmm


def find_pro(key: str) -> Pro:
    """A pro by id, or by phone number written any Israeli way."""
    pro = Pro.objects.by_key(key)
    if pro is None:
        raise CommandError(f"No pro with id or phone {key!r}.")
    return pro


def time_option(text: str | None, name: str) -> dt.time | None:
    if text is None:
        return None
    try:
        return parse_hhmm(text)
    except ValueError as error:
        raise CommandError(f"{name}: {error}") from None


class Command(BaseCommand):
    help = "Generate free slots for one pro or every active pro (skips Shabbat and holidays)."

    def add_arguments(self, parser):
        parser.add_argument("--pro", help="The pro's id or phone; default: every active pro.")
        parser.add_argument("--days", type=int, required=True, help="Number of days.")
        parser.add_argument("--start", help="Start of day, HH:MM; default: the pro's hours.")
        parser.add_argument("--end", help="End of day, HH:MM; default: the pro's hours.")
        parser.add_argument("--duration", type=int, required=True, help="Slot length in minutes.")
        parser.add_argument(
            "--include-holidays",
            action="store_true",
            help="Also generate on Shabbat and holidays (no early close on their eves).",
        )
        parser.add_argument(
            "--from",
            dest="first_day",
            type=dt.date.fromisoformat,
            help="First day, YYYY-MM-DD; default: today in Israel.",
        )

    def handle(self, *args, **options):
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        if options["duration"] < 1:
            raise CommandError("--duration must be at least 1 minute")
        start = time_option(options["start"], "--start")
        end = time_option(options["end"], "--end")
        if (start is None) != (end is None):
            raise CommandError("Give both --start and --end, or neither.")
        if start is not None and start >= end:
            raise CommandError("--start must be before --end")
        pros = [find_pro(options["pro"])] if options["pro"] else Pro.objects.filter(active=True)
        first_day = options["first_day"] or timezone.localdate(
            timezone=ZoneInfo(settings.TIME_ZONE)
        )
        for pro in pros:
            result = generate_slots(
                pro,
                first_day=first_day,
                days=options["days"],
                duration=dt.timedelta(minutes=options["duration"]),
                start=start,
                end=end,
                include_holidays=options["include_holidays"],
            )
            self.stdout.write(self._summary(pro, result))

    @staticmethod
    def _summary(pro, result) -> str:
        line = f"{pro.name} ({pro.phone}): {result.created} created, {result.existing} existing"
        if result.skipped_days:
            skipped = ", ".join(
                f"{day:%Y-%m-%d} {reason}" for day, reason in sorted(result.skipped_days.items())
            )
            line += f"; skipped {skipped}"
        return line
