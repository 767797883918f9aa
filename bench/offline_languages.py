"""The offline dispatcher's cost on Arabic and Russian text, beside Hebrew and English.

    python -m bench.offline_languages [--sizes 1000,10000,100000] [--json]

Grows one customer message per language (and the worst shapes of each script: Arabic prefix
letters and vowel marks, Russian case endings and abbreviations with a dot) to each size,
reads it with ai.offline.dispatch, and prints the best CPU time of a few readings, the time
per character and its growth from the smallest size to the largest (1.0 is linear, a
reader that rescans its text shows about 100×). python -m bench.conversation prints the
same for the Hebrew and English shapes; tests/ai/test_linear_time.py holds every reader to
linear time.
"""

import argparse
import datetime as dt
import gc
import json
import os
import secrets
import sys
import time

from bench.common import machine

SIZES = (1_000, 10_000, 100_000)
NOW = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
SHAPES = {
    "Hebrew message": "שלום, יש לי נזילה מהברז במטבח בחיפה, רחוב הרצל 12 דירה 4. אפשר מחר "
    "בבוקר? תודה רבה, יוסי\n",
    "English message": "Hi, my name is Sarah. The AC in our Tel Aviv flat leaks onto the floor, "
    "12 Herzl St apt 4. Tomorrow at 10am? Thanks, Sarah\n",
    "Arabic message": "مرحبا، اسمي محمد. عندي تسريب مي تحت المجلى بالناصرة، شارع الجبل ١٢. "
    "ممكن بكرا الساعة ١٠ الصبح؟ شكرا\n",
    "Russian message": "Здравствуйте, меня зовут Ольга. Кондей не холодит, я в Хайфе, ул. "
    "Герцля 10, кв. 5. Можно завтра в 9 утра? Спасибо\n",
    "Arabic prefixes and marks": "وبالْمـكيّف ",
    "Arabic joined rule words": "الولد-جوا-",
    "Russian case endings": "в Бат-Яме из Беэр-Шевы ",
    "Russian abbreviations": "ул. д. кв. ",
}


def curve(read, seed: str, sizes) -> dict:
    points = {}
    for size in sizes:
        text = (seed * (size // len(seed) + 1))[:size]
        seconds = _best_cpu_seconds(read, text, repeats=max(2, min(20, 200_000 // size)))
        points[size] = {"ms": round(seconds * 1000, 3), "us_per_char": seconds * 1e6 / size}
    first, last = points[sizes[0]], points[sizes[-1]]
    growth = last["us_per_char"] / first["us_per_char"] if first["us_per_char"] else None
    return {"points": points, "growth": round(growth, 2) if growth else None}


def _best_cpu_seconds(read, text: str, repeats: int) -> float:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="text sizes, e.g. 1000,10000"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sizes = tuple(int(size) for size in args.sizes.split(","))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixi.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from ai.offline import dispatch

    figures = {
        name: curve(lambda t: dispatch(t, now=NOW), seed, sizes) for name, seed in SHAPES.items()
    }
    if args.json:
        print(json.dumps({"machine": machine(), "sizes": sizes, "shapes": figures}, indent=2))
        return 0
    print("offline dispatcher (ai.offline.dispatch), CPU ms and µs per character")
    print(f"{'':<28}" + "".join(f"{f'{size:,} chars':>22}" for size in sizes) + f"{'growth':>9}")
    for name, figure in figures.items():
        cells = "".join(
            f"{point['ms']:>11.3f} ms {point['us_per_char']:>5.2f} µs"
            for point in figure["points"].values()
        )
        print(f"{name:<28}{cells}{figure['growth']:>8.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
