"""Conversation turns with a real worker: what the quiet window costs a lone message, and
how many burst turns one worker reads per second. Part of `python -m bench.conversation`.

Against a throwaway SQLite database seeded by seed_demo, with ONE real worker (prefork,
concurrency 1) on Redis, the fake Green API, and the offline dispatcher (no Gemini, so
the figures are Fixi's own work):

1. no-op baseline: `celery.backend_cleanup` round trips on the same worker and broker;
2. lone messages: --lone customers write one message each, one after the other, first
   with the quiet window at 0 and then at --window seconds; the latency of each is the
   time from the stored message to its reply in the outbox. The window's cost is the
   difference of the medians (goal: no more than the window itself);
3. bursts: --bursts customers each send four fragments at once (stored together, so all
   turns are waiting when the clock starts), window --window; turns/s is the number of
   customers over the time until every fragment is done and every reply sent, and the
   check is one reply and one lead per customer.

It asserts nothing and prints its own baseline.
"""

import statistics
import time
from pathlib import Path

from bench.common import say
from bench.pipeline import (
    BASELINE_TIMEOUT,
    STARTUP_TIMEOUT,
    bench_environment,
    run_baseline,
    run_marker,
    start_worker,
    stop,
    wait_for,
    webhook,
)

BURST = ["שלום", "יש לי נזילה מתחת לכיור", "אני ב{city}, {street} {number}", "מחר ב-{hour}"]
PLACES = [("חיפה", "רחוב הרצל"), ("תל אביב", "רחוב דיזנגוף"), ("ירושלים", "רחוב יפו")]


def _set_window(seconds: float) -> None:
    from fixi.models import BusinessSettings

    BusinessSettings.load()
    BusinessSettings.objects.update(quiet_window_seconds=seconds)


def _reply_latency(inbound_id) -> float | None:
    from messaging.models import InboundMessage, OutboundMessage

    message = InboundMessage.objects.get(pk=inbound_id)
    reply = (
        OutboundMessage.objects.filter(chat_id=message.chat_id, created_at__gte=message.created_at)
        .order_by("created_at")
        .first()
    )
    return (reply.created_at - message.created_at).total_seconds() if reply else None


def lone_messages(count: int, window: float, tag: str, worker, log: Path) -> dict:
    """Customers writing one message each, one at a time; reply latency in ms."""
    from messaging import inbox

    _set_window(window)
    latencies = []
    for index in range(count):
        chat = f"97253{tag}{index:05d}@c.us"
        text = f"יש לי נזילה בחיפה #{index}"
        stored = inbox.ingest(webhook(chat, "דנה", text, f"LONE{tag}{window}{index:06d}"))
        latency = wait_for(
            lambda pk=stored.inbound_id: _reply_latency(pk), 60, worker, log, "a reply"
        )
        latencies.append(latency * 1000)
    return {
        "window_s": window,
        "messages": count,
        "p50_ms": round(statistics.median(latencies), 1),
        "max_ms": round(max(latencies), 1),
    }


def bursts(count: int, window: float, tag: str, worker, log: Path) -> dict:
    """Customers each sending a four-fragment burst at once; turns per second."""
    from django.db import transaction

    from leads.models import Lead
    from messaging import inbox
    from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState

    _set_window(window)
    chats, ids = [], []
    with transaction.atomic():
        for index in range(count):
            chat = f"97254{tag}{index:05d}@c.us"
            city, street = PLACES[index % len(PLACES)]
            chats.append(chat)
            for n, fragment in enumerate(BURST):
                text = fragment.format(city=city, street=street, number=10 + index, hour=9 + n)
                payload = webhook(chat, "דנה", text, f"BURST{tag}{index:05d}{n}")
                ids.append(inbox.ingest(payload).inbound_id)
    started = time.time()

    def finished():
        open_messages = InboundMessage.objects.filter(pk__in=ids).exclude(
            state__in=[ProcessingState.DONE, ProcessingState.IGNORED, ProcessingState.FAILED]
        )
        unsent = OutboundMessage.objects.filter(
            status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
        )
        return not open_messages.exists() and not unsent.exists()

    wait_for(finished, BASELINE_TIMEOUT, worker, log, "the bursts")
    elapsed = time.time() - started
    replies = OutboundMessage.objects.filter(chat_id__in=chats).count()
    leads = Lead.objects.filter(customer__chat_id__in=chats).count()
    return {
        "window_s": window,
        "customers": count,
        "fragments": len(ids),
        "seconds": round(elapsed, 2),
        "turns_per_s": round(count / elapsed, 2),
        "turns_per_s_without_the_window": round(count / max(elapsed - window, 1e-3), 2),
        "replies": replies,
        "leads": leads,
    }


def worker_figures(args, green, tmp: Path, broker_url: str) -> dict:
    """Sections 1-3 with one worker; `args` has lone, bursts, window and noop."""
    import os
    import secrets

    from bench.common import manage

    env = bench_environment(tmp / "turns.sqlite3", broker_url, green, None, 1000)
    os.environ.update(env)
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    say(f"bench: migrating and seeding {env['DATABASE_URL']} ...")
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    log = tmp / "worker.log"
    worker = start_worker(env, log)
    tag = f"{secrets.randbelow(10**4):04d}"
    try:
        run_marker(worker, log, STARTUP_TIMEOUT)
        say(f"bench: no-op baseline, {args.noop} tasks ...")
        baseline = run_baseline(args.noop, worker, log, broker_url)
        say(f"bench: {args.lone} lone messages, window 0 and {args.window} s ...")
        lone = [lone_messages(args.lone, w, tag, worker, log) for w in (0.0, args.window)]
        say(f"bench: {args.bursts} four-fragment bursts, window {args.window} s ...")
        burst = bursts(args.bursts, args.window, tag, worker, log)
    finally:
        stop(worker)
    added = lone[1]["p50_ms"] - lone[0]["p50_ms"]
    return {
        "baseline": baseline,
        "lone": lone,
        "window_added_ms": round(added, 1),
        "bursts": burst,
        "burst_turns_vs_noop": round(burst["turns_per_s"] / baseline["tasks_per_s"], 4),
    }
