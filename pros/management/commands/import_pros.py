"""`manage.py import_pros FILE [--dry-run]`: create or update pros from a .json or .csv file.

The reading, validation and upserts are in pros/importing.py; this command prints what
they found and changed.
"""

import argparse
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from fixi.vocabulary import TRADES
from pros.importing import (
    COLUMNS,
    LIST_SEPARATOR,
    FileError,
    import_records,
    read_rows,
    validate_rows,
)
from pros.seeding import CREATED, UNCHANGED, UPDATED

DESCRIPTION = f"""\
Create or update pros from FILE (.json or .csv), keyed on the phone number.

JSON: a list of objects with the keys
  {", ".join(COLUMNS)}
where cities and trades are lists and price_list is a list of
{{"service": ..., "price": ..., "note": ...}}.
CSV: a header with the same column names, then one pro per line. In a cell, cities,
trades and price items are separated by "{LIST_SEPARATOR}", and a price item is
service:price or service:price:note.

Only name and phone are required. An empty cell (or an absent or null JSON value)
leaves the pro's value as it is; a new pro gets the default. Cities may be a slug or
a Hebrew or English name, in any common spelling. Trades are the keys
  {", ".join(TRADES)}
or their English or Hebrew names. Booleans: yes/no, true/false, 1/0.

A phone is the pro's WhatsApp number, in any common spelling: 050-1234567,
050 123 4567, (050) 123-4567, +972-50-123-4567, +972 (0)50..., 00972501234567 and
972501234567 are the same pro; a number abroad starts with + (+44 7911 123456).
A landline (03-1234567) cannot receive WhatsApp and is an error, and so is an
extension ("ext. 12", "שלוחה 12"): write the pro's own mobile instead.

The import adds and corrects, it never deletes: trades, cities and price items that
are not in the file are left alone; price items are matched on the service name.

Every row is checked first. If any row has an error, every error is printed as
"row N: field: reason" (N counts pros, not the CSV header) and nothing is imported.
"""


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the description above."""


class Command(BaseCommand):
    help = DESCRIPTION

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=HelpFormatter)

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .json or .csv file of pros")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without writing anything",
        )

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            rows = read_rows(file)
        except FileError as error:
            raise CommandError(f"{file}: {error}; nothing imported.") from error
        validated = validate_rows(rows)
        if validated.errors:
            for error in validated.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{file}: {len(validated.errors)} errors in {len(rows)} rows; nothing imported."
            )
        outcomes = import_records(validated, dry_run=dry_run)
        rows_and_outcomes = zip(validated.records, outcomes, strict=True)
        for number, (record, outcome) in enumerate(rows_and_outcomes, start=1):
            name = f"{record['name']} ({record['phone']})"
            self.stdout.write(f"row {number}: {name}: {describe(outcome)}")
        self.stdout.write(summary(file, outcomes, dry_run=dry_run))


def describe(outcome) -> str:
    if outcome.outcome == UPDATED:
        return f"updated ({', '.join(outcome.changed)})"
    return outcome.outcome


def summary(file: Path, outcomes: list, *, dry_run: bool) -> str:
    counts = Counter(outcome.outcome for outcome in outcomes)
    tally = f"{counts[CREATED]} created, {counts[UPDATED]} updated, {counts[UNCHANGED]} unchanged"
    if dry_run:
        return f"Dry run of {file}: {len(outcomes)} pros; {tally} if imported. Nothing written."
    return f"Imported {file}: {len(outcomes)} pros; {tally}."
