"""Conversation benchmark: what reading a customer's turn costs Fixi.

    python -m bench.conversation [--sizes 1000,10000,100000] [--lone 20] [--bursts 30]
        [--window 1] [--noop 200] [--broker-url redis://127.0.0.1:6379/13] [--no-worker]
        [--json]

Turns with a real worker (`bench.turns.worker_figures`, skipped with --no-worker): one
Celery worker on Redis against the fake Green API and a throwaway SQLite database; the
reply latency of a lone message with the quiet window off and at --window seconds (the
window's cost), and how many four-fragment bursts one worker reads per second, beside a
no-op task baseline on the same worker and broker. The broker database is flushed before
and after.

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
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

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
    parser.add_argument("--lone", type=int, default=20, help="lone messages per window")
    parser.add_argument("--bursts", type=int, default=30, help="customers sending a burst")
    parser.add_argument("--window", type=float, default=1.0, help="quiet window, seconds")
    parser.add_argument("--noop", type=int, default=200, help="no-op baseline tasks")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--no-worker", action="store_true", help="offline dispatcher only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
    # Settings refuse to load without a key unless DEBUG=1; this run signs nothing.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    figures = {"machine": machine("celery", "kombu")}
    if not args.no_worker:
        figures["turns"] = _worker_section(args)
    else:
        import django

        django.setup()
    figures["offline"] = offline_curve(args.sizes)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    if "turns" in figures:
        print(format_turns(figures["turns"]))
        print()
    print(format_offline(figures["offline"]))
    return 0


def _worker_section(args) -> dict:
    """bench.turns against the fake Green API, with the broker database flushed around it."""
    from bench.pipeline import flush_broker
    from bench.turns import worker_figures

    sys.path.insert(0, str(REPO))
    from tests.fakes.green_api import FakeGreenApi

    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-conversation-"))
    flushed = flush_broker(args.broker_url)
    if flushed:
        say(f"bench: the broker database held {flushed} keys; flushed")
    try:
        with FakeGreenApi() as green:
            return worker_figures(args, green, tmp, args.broker_url)
    finally:
        flush_broker(args.broker_url)
        shutil.rmtree(tmp, ignore_errors=True)


def format_turns(turns: dict) -> str:
    baseline, (off, on), burst = turns["baseline"], turns["lone"], turns["bursts"]
    return "\n".join(
        [
            "turns with one real worker (offline dispatcher, fake Green API, Redis)",
            f"no-op baseline            {baseline['tasks_per_s']:>9.1f} tasks/s",
            f"lone message, window 0 s  p50 {off['p50_ms']:>8.1f} ms   "
            f"max {off['max_ms']:>8.1f} ms",
            f"lone message, window {on['window_s']:g} s  p50 {on['p50_ms']:>8.1f} ms   "
            f"max {on['max_ms']:>8.1f} ms",
            f"the window adds           {turns['window_added_ms']:>9.1f} ms to a lone reply "
            f"(goal: no more than {on['window_s'] * 1000:.0f} ms)",
            f"{burst['customers']} four-fragment bursts   {burst['turns_per_s']:>9.2f} turns/s "
            f"({burst['turns_per_s_without_the_window']:.2f} without the window), "
            f"{burst['replies']} replies, {burst['leads']} leads "
            f"(goal: one each per customer)",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
