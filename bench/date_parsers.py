"""Fixi's date reader against the dateparser library, on the labelled dates, per language.

    python -m bench.date_parsers [--json] [--misses LANGUAGE]

Reads every phrasing of tests/ai/data/labelled_dates.jsonl twice, each at the moment it
was written: with ai.offline_when.read_when, and with dateparser (when it is installed:
`pip install dateparser`; it is not a dependency of Fixi). Prints, per language, how many
phrasings each reads exactly as labelled (date, time, part of the day and problem all
right), the day alone, and the day and time together, and the time per phrasing.

How dateparser is asked, as well as it can be: `search_dates` in the phrasing's language
(with English beside it, for the digits and Latin words every language borrows), future
dates preferred, relative to the moment written; the first date it finds is the day, and
its time counts only when dateparser says the phrasing named one (RETURN_TIME_AS_PERIOD:
period "time"). A day it finds before today is "past", as the labels say. It has no parts
of the day, so it is right on "all fields" only where none was written.
"""

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

from bench.dispatch_accuracy import DATE_FIELDS, LABELLED_DATES, load_labelled, read_dates

LANGUAGES = ("he", "en", "ar", "ru")
MEASURES = ("all fields", "date", "date and time")


@dataclass
class Tally:
    right: Counter = field(default_factory=Counter)  # (measure, language) -> phrasings
    count: Counter = field(default_factory=Counter)  # language -> phrasings
    seconds: float = 0.0
    misses: list[tuple[dict, dict]] = field(default_factory=list)

    def add(self, row: dict, read: dict) -> None:
        checks = {
            "all fields": all(read[name] == row[name] for name in DATE_FIELDS),
            "date": (read["date"], read["problem"]) == (row["date"], row["problem"]),
            "date and time": (read["date"], read["time"], read["problem"])
            == (row["date"], row["time"], row["problem"]),
        }
        for language in ("all", row["language"]):
            self.count[language] += 1
            for measure, right in checks.items():
                self.right[measure, language] += right
        if not checks["all fields"]:
            self.misses.append((row, read))

    def share(self, measure: str, language: str) -> float:
        return self.right[measure, language] / self.count[language] if self.count[language] else 0


def dateparser_reading(row: dict) -> dict:
    """What dateparser reads in a labelled phrasing, in the labels' terms."""
    from dateparser import DateDataParser
    from dateparser.search import search_dates

    now = dt.datetime.fromisoformat(row["now"])
    languages = list(dict.fromkeys([row["language"], "en"]))
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser warns about its own time zone handling
        found = search_dates(row["text"], languages=languages, settings=settings) or []
    reading = {"date": None, "time": None, "time_of_day": "", "problem": ""}
    if not found:
        return reading
    phrase, moment = found[0]
    period_settings = {**settings, "RETURN_TIME_AS_PERIOD": True}
    data = DateDataParser(languages=languages, settings=period_settings).get_date_data(phrase)
    if moment.date() < now.date():
        reading["problem"] = "past"
        return reading
    reading["date"] = moment.date().isoformat()
    if data and data.period == "time":
        reading["time"] = moment.strftime("%H:%M")
    return reading


def measure(rows: list[dict], read) -> Tally:
    tally = Tally()
    for row in rows:
        started = time.perf_counter()
        reading = read(row)
        tally.seconds += time.perf_counter() - started
        tally.add(row, reading)
    return tally


def report(tallies: dict[str, Tally]) -> str:
    first = next(iter(tallies.values()))
    languages = ["all", *(lang for lang in LANGUAGES if first.count[lang])]
    header = "".join(f"{f'{lang} ({first.count[lang]})':>12}" for lang in languages)
    lines = [f"{first.count['all']} labelled phrasings ({LABELLED_DATES.name})", ""]
    for name, tally in tallies.items():
        per = 1000 * tally.seconds / max(tally.count["all"], 1)
        lines += [f"{name}  ({per:.2f} ms a phrasing)", f"{'':<16}{header}"]
        for what in MEASURES:
            cells = "".join(f"{tally.share(what, lang):>12.1%}" for lang in languages)
            lines.append(f"  {what:<14}{cells}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", metavar="LANGUAGE", help="list one reader's misses")
    parser.add_argument("--reader", default="fixi", choices=("fixi", "dateparser"))
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    rows = load_labelled(LABELLED_DATES)
    tallies = {"fixi (ai.offline_when)": measure(rows, read_dates)}
    try:
        import dateparser
    except ImportError:
        print("dateparser is not installed (pip install dateparser): Fixi's reader only\n")
    else:
        tallies["dateparser " + dateparser.__version__] = measure(rows, dateparser_reading)
    if args.json:
        figures = {
            name: {
                "ms_per_phrasing": round(1000 * tally.seconds / max(tally.count["all"], 1), 3),
                **{
                    what: {lang: round(tally.share(what, lang), 4) for lang in tally.count}
                    for what in MEASURES
                },
            }
            for name, tally in tallies.items()
        }
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(report(tallies))
    if args.misses:
        tally = next(t for name, t in tallies.items() if name.startswith(args.reader))
        for row, read in tally.misses:
            if row["language"] == args.misses:
                labelled = " ".join(str(row[n] or "-") for n in DATE_FIELDS)
                got = " ".join(str(read[n] or "-") for n in DATE_FIELDS)
                print(f"{row['now']}  {row['text']}\n    labelled {labelled}  read {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
