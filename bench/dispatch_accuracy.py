"""How well the offline dispatcher reads the labelled customer messages.

    python -m bench.dispatch_accuracy [--misses] [--json] [--messages PATH]

Runs ai.offline.dispatch over tests/ai/data/labelled_messages.jsonl (or the JSONL file
given with --messages, e.g. a held-out set in the same format) and prints, for all messages
and for each language, how many there are and the accuracy of city, issue type, urgency
and language, with the goals (city ≥ 95 %, issue type ≥ 90 %) marked met or below beside
each language; then the issue-type confusion (labelled → read) with each trade's precision
and recall, and, with --misses, every message it got wrong. tests/ai/test_labelled_accuracy.py
asserts the same goals overall and for every language with at least 30 messages.

Then it reads tests/ai/data/labelled_dates.jsonl with ai.offline_when.read_when, each
phrasing at the moment it was written, and prints how many were read exactly as labelled
(date, time, part of the day and problem all right), overall and per language, each
field's accuracy and, with --misses, the phrasings read wrong; tests/ai/test_dates.py
asserts ≥ 98 %. --json puts these figures under "dates".
"""

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABELLED = REPO / "tests" / "ai" / "data" / "labelled_messages.jsonl"
LABELLED_DATES = REPO / "tests" / "ai" / "data" / "labelled_dates.jsonl"
FIELDS = ("city", "issue_type", "urgent", "language")
GOALS = {"city": 0.95, "issue_type": 0.90}  # the least accuracy asked of each language
MIN_PER_LANGUAGE = 30  # a language with fewer labelled messages is shown, not held to GOALS
DATE_FIELDS = ("date", "time", "time_of_day", "problem")


def load_labelled(path: Path = LABELLED) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Report:
    source: Path = LABELLED
    total: int = 0
    right: Counter = field(default_factory=Counter)  # (field, language or "all") -> count
    count: Counter = field(default_factory=Counter)  # language or "all" -> messages
    confusion: Counter = field(default_factory=Counter)  # (labelled, read) -> count
    misses: list[dict] = field(default_factory=list)

    def accuracy(self, name: str, language: str = "all") -> float:
        return self.right[name, language] / self.count[language] if self.count[language] else 0.0

    def languages(self) -> list[str]:
        return ["all", *sorted(k for k in self.count if k != "all")]

    def held_to_goals(self, language: str) -> bool:
        """Whether a language has enough labelled messages for its figures to be judged."""
        return self.count[language] >= MIN_PER_LANGUAGE

    def below_goals(self, language: str = "all") -> dict[str, float]:
        """Each goal this language misses, with the accuracy it reached."""
        reached = {name: self.accuracy(name, language) for name in GOALS}
        return {name: value for name, value in reached.items() if value < GOALS[name]}

    def as_json(self) -> dict:
        languages = self.languages()
        return {
            "messages": {lang: self.count[lang] for lang in languages},
            "accuracy": {
                name: {lang: round(self.accuracy(name, lang), 4) for lang in languages}
                for name in FIELDS
            },
            "goals": {**GOALS, "min_messages_per_language": MIN_PER_LANGUAGE},
            "goals_met": {
                lang: not self.below_goals(lang) if self.held_to_goals(lang) else None
                for lang in languages
            },
            "trades": per_trade(self.confusion),
            "misses": self.misses,
        }


def evaluate(rows: list[dict], source: Path = LABELLED) -> Report:
    from ai.offline import dispatch

    report = Report(source=source, total=len(rows))
    for row in rows:
        reading = dispatch(row["text"]).as_json()
        language = row["language"]
        report.count["all"] += 1
        report.count[language] += 1
        report.confusion[row["issue_type"], reading["issue_type"]] += 1
        for name in FIELDS:
            if reading[name] == row[name]:
                report.right[name, "all"] += 1
                report.right[name, language] += 1
            else:
                report.misses.append(
                    {
                        "field": name,
                        "text": row["text"],
                        "labelled": row[name],
                        "read": reading[name],
                    }
                )
    return report


def per_trade(confusion: Counter) -> dict[str, dict]:
    labelled, read, right = Counter(), Counter(), Counter()
    for (expected, got), n in confusion.items():
        labelled[expected] += n
        read[got] += n
        if expected == got:
            right[expected] += n
    return {
        trade: {
            "messages": labelled[trade],
            "precision": round(right[trade] / read[trade], 4) if read[trade] else None,
            "recall": round(right[trade] / labelled[trade], 4) if labelled[trade] else None,
        }
        for trade in sorted(set(labelled) | set(read))
    }


def format_report(report: Report, misses: bool = True) -> str:
    lines = [f"{report.total} labelled messages ({_shown(report.source)})", ""]
    goals = {name: f"{name} ≥ {goal:.0%}" for name, goal in GOALS.items()}
    header = f"{'language':<10}{'messages':>9}"
    header += "".join(f"{goals.get(name, name):>{_width(name)}}" for name in FIELDS)
    lines.append(header)
    for lang in report.languages():
        below = report.below_goals(lang)
        cells = ""
        for name in FIELDS:
            value = f"{report.accuracy(name, lang):.1%}"
            if name in GOALS:
                verdict = "below" if name in below else "met"
                value += f" {verdict if report.held_to_goals(lang) else '-':>5}"
            cells += f"{value:>{_width(name)}}"
        lines.append(f"{lang:<10}{report.count[lang]:>9}{cells}")
    lines.append(
        f"goals are held for every language with at least {MIN_PER_LANGUAGE} messages"
        " ('-': fewer, shown only)"
    )
    lines += ["", "issue type: labelled (rows) → read (columns)"]
    trades = sorted({t for pair in report.confusion for t in pair})
    lines.append(f"{'':<12}" + "".join(f"{t[:10]:>11}" for t in trades) + "     recall  precision")
    stats = per_trade(report.confusion)
    for expected in trades:
        cells = "".join(f"{report.confusion[expected, got] or '·':>11}" for got in trades)
        recall, precision = stats[expected]["recall"], stats[expected]["precision"]
        lines.append(f"{expected:<12}{cells}{_pct(recall):>11}{_pct(precision):>11}")
    if misses:
        by_field = defaultdict(list)
        for miss in report.misses:
            by_field[miss["field"]].append(miss)
        for name in FIELDS:
            if by_field[name]:
                lines += ["", f"misses: {name} ({len(by_field[name])})"]
                lines += [
                    f"  {m['labelled']!s:>12} → {m['read']!s:<12} {m['text'][:90]}"
                    for m in by_field[name]
                ]
    return "\n".join(lines)


@dataclass
class DatesReport:
    right: Counter = field(default_factory=Counter)  # (field or "all", language) -> count
    count: Counter = field(default_factory=Counter)  # language or "all" -> phrasings
    seconds: float = 0.0
    misses: list[dict] = field(default_factory=list)

    def accuracy(self, name: str = "all", language: str = "all") -> float:
        return self.right[name, language] / self.count[language] if self.count[language] else 0.0

    def languages(self) -> list[str]:
        return ["all", *sorted(k for k in self.count if k != "all")]

    def as_json(self) -> dict:
        return {
            "phrasings": {lang: self.count[lang] for lang in self.languages()},
            "accuracy": {
                name: {lang: round(self.accuracy(name, lang), 4) for lang in self.languages()}
                for name in ("all", *DATE_FIELDS)
            },
            "ms_per_phrasing": round(1000 * self.seconds / max(self.count["all"], 1), 3),
            "misses": self.misses,
        }


def read_dates(row: dict) -> dict:
    """What ai.offline_when reads in a labelled phrasing, in the labels' own terms."""
    from ai.offline_when import read_when

    now = dt.datetime.fromisoformat(row["now"])
    reading = read_when(row["text"], now.date(), now.time())
    return {
        "date": reading.date.isoformat() if reading.date else None,
        "time": reading.time.strftime("%H:%M") if reading.time else None,
        "time_of_day": reading.time_of_day,
        "problem": reading.problem,
    }


def evaluate_dates(rows: list[dict]) -> DatesReport:
    report = DatesReport()
    for row in rows:
        started = time.perf_counter()
        read = read_dates(row)
        report.seconds += time.perf_counter() - started
        right = {name: read[name] == row[name] for name in DATE_FIELDS}
        for language in ("all", row["language"]):
            report.count[language] += 1
            report.right["all", language] += all(right.values())
            for name in DATE_FIELDS:
                report.right[name, language] += right[name]
        if not all(right.values()):
            labelled = {name: row[name] for name in DATE_FIELDS}
            report.misses.append({"text": row["text"], "now": row["now"], "labelled": labelled,
                                  "read": read})  # fmt: skip
    return report


def format_dates(report: DatesReport, misses: bool = True) -> str:
    languages = report.languages()
    lines = [f"{report.count['all']} labelled dates and times ({LABELLED_DATES.relative_to(REPO)})"]
    lines += ["", f"{'':<14}" + "".join(f"{f'{g} ({report.count[g]})':>14}" for g in languages)]
    for name in ("all", *DATE_FIELDS):
        label = "all fields" if name == "all" else name
        cells = "".join(f"{report.accuracy(name, lang):>14.1%}" for lang in languages)
        lines.append(f"{label:<14}{cells}")
    per = 1000 * report.seconds / max(report.count["all"], 1)
    lines.append(f"{per:.2f} ms per phrasing")
    if misses and report.misses:
        lines += ["", f"misses: dates and times ({len(report.misses)})"]
        for miss in report.misses:
            labelled, read = miss["labelled"], miss["read"]
            lines.append(f"  {miss['now']}  {miss['text'][:70]}")
            lines.append(f"    labelled {_when(labelled)}  read {_when(read)}")
    return "\n".join(lines)


def _width(name: str) -> int:
    return 20 if name in GOALS else 11


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _when(values: dict) -> str:
    return " ".join(str(values[name] or "-") for name in DATE_FIELDS)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every message read wrong")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--messages",
        type=Path,
        default=LABELLED,
        metavar="PATH",
        help="labelled messages to read, in the format of the default (JSONL): "
        f"{LABELLED.relative_to(REPO)}",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
    # Settings refuse to load without a key unless DEBUG=1; this run signs nothing.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    report = evaluate(load_labelled(args.messages), source=args.messages)
    dates = evaluate_dates(load_labelled(LABELLED_DATES))
    if args.json:
        figures = {**report.as_json(), "dates": dates.as_json()}
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(format_report(report, misses=args.misses))
        print("\n" + format_dates(dates, misses=args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
