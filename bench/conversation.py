"""Conversation benchmark: what reading a customer's turn costs Fixi.

    python -m bench.conversation [--sizes 1000,10000,100000] [--json]

Offline dispatcher (`offline_curve`): ai.offline.dispatch on one text grown to each size,
for realistic shapes (the labelled customer messages one after another, one Hebrew and one
English message repeated) and adversarial ones (empty lines, spaces after a sign-off,
words joined by hyphens, repeated dates and "מחר", joined words that each open a rule's
keyword, one long Latin word), beside a no-op reader timed the same way in the same run.
Times are CPU time of this process (other processes share the machine), the best of a few
readings with the collector paused. It prints milliseconds and microseconds per character
at each size, and the growth of the cost per character from the smallest size to the
largest: 1.0 is linear, a reader that rescans the text shows about 100.

It asserts nothing (tests/ai/test_linear_time.py holds the bounds).
"""

import argparse
import datetime as dt
import gc
import json
import os
import secrets
import sys
import time
from collections.abc import Callable

from bench.common import REPO, machine, say

SIZES = (1_000, 10_000, 100_000)
LABELLED = REPO / "tests" / "ai" / "data" / "labelled_messages.jsonl"
# A fixed moment, so that "tomorrow" reads the same in every run.
NOW = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)

SHAPES = {
    "labelled messages": None,  # filled from LABELLED when the run starts
    "Hebrew message": "שלום, יש לי נזילה מהברז במטבח בחיפה, רחוב הרצל 12 דירה 4. אפשר מחר "
    "בבוקר? תודה רבה, יוסי\n",
    "English message": "Hi, my name is Sarah. The AC in our Tel Aviv flat leaks onto the floor, "
    "12 Herzl St apt 4. Tomorrow at 10am? Thanks, Sarah\n",
    "empty lines": "\n",
    "spaces after a sign-off": "תודה יוסי" + " " * 64,
    "hyphen-joined words": "בא-",
    "dates and מחר": "מחר 12/05 ב-10 ",
    "joined rule words": "מריח-שקע.צינור.",
    "one Latin word": "a",
}


def offline_curve(sizes=SIZES) -> dict:
    """The offline dispatcher's cost at each size, per shape, and a no-op reader's."""
    from ai.offline import dispatch

    def read(text: str):
        return dispatch(text, now=NOW)

    seeds = {**SHAPES, "labelled messages": _labelled_text()}
    say("bench: offline dispatcher, no-op baseline ...")
    figures = {"sizes": list(sizes), "noop": _curve(lambda text: None, "x", sizes)}
    figures["shapes"] = {}
    for name, seed in seeds.items():
        say(f"bench: offline dispatcher, {name} ...")
        figures["shapes"][name] = _curve(read, seed, sizes)
    return figures


def _curve(read: Callable[[str], object], seed: str, sizes) -> dict:
    points = {}
    for size in sizes:
        seconds = _best_cpu_seconds(read, _grown(seed, size), repeats=_repeats(size))
        points[str(size)] = {
            "ms": round(seconds * 1000, 3),
            "us_per_char": round(seconds * 1e6 / size, 4),
        }
    first, last = points[str(sizes[0])], points[str(sizes[-1])]
    growth = last["us_per_char"] / first["us_per_char"] if first["us_per_char"] else None
    return {"points": points, "growth": round(growth, 2) if growth else None}


def _repeats(size: int) -> int:
    return max(2, min(20, 200_000 // size))  # more readings where one is short and noisy


def _best_cpu_seconds(read: Callable[[str], object], text: str, repeats: int) -> float:
    gc.collect()
    gc.disable()  # the collector's passes scan every live object, not the reader's work
    try:
        best = float("inf")
        for _ in range(repeats):
            started = time.process_time()
            read(text)
            best = min(best, time.process_time() - started)
        return best
    finally:
        gc.enable()


def _grown(seed: str, size: int) -> str:
    return (seed * (size // len(seed) + 1))[:size]


def _labelled_text() -> str:
    with LABELLED.open(encoding="utf-8") as handle:
        return "\n".join(json.loads(line)["text"] for line in handle if line.strip()) + "\n"


def format_offline(figures: dict) -> str:
    sizes = figures["sizes"]
    header = "".join(f"{f'{size:,} chars':>22}" for size in sizes)
    lines = [
        "offline dispatcher (ai.offline.dispatch), CPU ms and µs per character",
        f"{'':<26}{header}{'growth':>9}",
    ]
    rows = {"no-op baseline": figures["noop"], **figures["shapes"]}
    for name, curve in rows.items():
        points = [curve["points"][str(size)] for size in sizes]
        cells = "".join(f"{p['ms']:>11.3f} ms{p['us_per_char']:>6.2f} µs" for p in points)
        growth = f"{curve['growth']:>8.2f}×" if curve["growth"] is not None else f"{'-':>9}"
        lines.append(f"{name:<26}{cells}{growth}")
    lines.append(
        f"growth: µs per character at {sizes[-1]:,} over µs per character at {sizes[0]:,} "
        "(1.0 is linear; a reader that rescans the text shows about 100)"
    )
    return "\n".join(lines)


def _sizes(value: str) -> tuple[int, ...]:
    sizes = tuple(int(part) for part in value.split(","))
    if len(sizes) < 2 or any(size < 10 for size in sizes) or list(sizes) != sorted(sizes):
        raise argparse.ArgumentTypeError("at least two increasing sizes of 10 or more")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=SIZES, help="text sizes, e.g. 1000,10000")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
    # Settings refuse to load without a key unless DEBUG=1; this run signs nothing.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    figures = {"machine": machine(), "offline": offline_curve(args.sizes)}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(format_offline(figures["offline"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
