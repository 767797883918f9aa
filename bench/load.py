"""Load test: many customers through whole conversations at once, and what was lost.

    python -m bench.load [--customers 200] [--seconds 180] [--redis-db N] [--window S]
                         [--concurrency 2] [--kill-at 0.4] [--drain 150]
                         [--recovery-every S] [--seed N] [--database PATH] [--json]

What runs, all on loopback: gunicorn (fixi.wsgi, 2 sync workers), two Celery workers
(prefork, --concurrency each) and celery beat on Redis (REDIS_URL, default
redis://127.0.0.1:6379/0; --redis-db N takes database N of that server), the test
suite's fake Green API, fake Gemini and fake Cloudinary in this process, and a fresh
SQLite file (WAL) in a temp dir, migrated, seeded by `seed_demo` and with one more pro for
every city and trade (a roster of 70, load caps 2-5) and 14 days of their slots.

Each simulated customer (`Conversation`) runs a scripted conversation through
POST /webhook, in Green API's payload shapes, starting at a random moment of the first
half of --seconds: a burst of short fragments (greeting, the problem, the city and street,
the day and hour, sometimes a name) that the quiet window makes one turn; a pick among
offered times when the asked one is taken; a photo for most; the pro's answer, given by
this program on the pro's chat as a button press or a typed answer quoting the offer
(a quarter of the pros decline first, and the next pro asked then approves); a price
question for most; "ביטול" / "cancel" for a quarter. One customer in five writes English.
About one webhook in ten is delivered twice with the same idMessage, at once or a moment
later, as Green API does. People take a second or two between messages. At --kill-at of
the run, as soon as worker a is in the middle of a turn (waiting at most 15 s for it), it
and its pool children are killed with SIGKILL, and it is started again.

The fake Gemini reads each turn as a model would: every line a customer can write is
known to it with what it says (`Reader`), so the dispatcher gets the city, trade, address
and time of the lines it is shown, and the persona replies come back in the customer's
language.

Then nothing new is sent, and the run waits (at most --drain seconds) until every stored
message is processed and every queued message sent, stops the processes, and checks
against the database:

- lost: a webhook answered 200 whose message is missing or not processed (not done or
  ignored: still waiting, being processed, or failed);
- processed_twice: a message claimed more often than once, unless it was being processed
  by the killed worker (that claim died with it), plus a pro asked twice about one lead;
- duplicate_sends: a message Green API received more often than the outbox holds it;
- double_booked: a lead holding two slots, or two booked slots of one pro that overlap;
- over_cap: a pro whose open jobs or load counter is above the pro's cap;
- without_events: a lead with no audit event, or whose latest status change in its
  events is not its status.

It prints the reply latency (webhook in to the fake Green API receiving the reply: a
customer's last fragment to the reply to the customer; a pro's approval to the
confirmation to the customer; a pro's refusal to the next pro's offer or the customer's
message), turns per second, the invariants and the machine, and exits 1 when an
invariant is broken. With --json the last line is one JSON object. The Redis queue is
emptied at the end; the temp dir (the database and the processes' logs) is removed unless
--database names the file.
"""

import argparse
import datetime as dt
import io
import itertools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bench.common import REPO, children, cpu_seconds, machine, say, tail
from bench.pipeline import bench_environment, start_worker
from bench.webhook_ingest import free_port, wait_healthy

sys.path.insert(0, str(REPO))
from bench.customers import (
    JPEG,
    REPLY_TIMEOUT,
    Conversation,
    Reader,
    Script,
    WatchedGreenApi,
    Webhooks,
    roster,
    scripts,
)
from tests.fakes.cloudinary import FakeCloudinary
from tests.fakes.gemini import FakeGemini
from tests.fakes.green_api import FakeMedia

WEB_WORKERS = 2
STARTUP_TIMEOUT = 90
ROSTER_DAYS = 14
KILL_WAIT_SECONDS = 15  # for worker a to be mid-turn, once its moment has come
INVARIANTS = (
    "lost",
    "processed_twice",
    "duplicate_sends",
    "double_booked",
    "over_cap",
    "without_events",
)


def seed_business() -> str:
    """Migrate, seed the demo business, add the roster and its slots (in this process)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from pros.models import City
    from pros.seeding import upsert_pro
    from scheduling.generation import generate_slots

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    cities = {city.slug: city for city in City.objects.all()}
    today = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))  # Israel's calendar
    slots = 0
    records = roster()
    for record in records:
        pro = upsert_pro(record, cities).pro
        slots += generate_slots(
            pro, first_day=today, days=ROSTER_DAYS, duration=dt.timedelta(minutes=60)
        ).created
    return f"demo business + {len(records)} roster pros, {slots} roster slots"


def retune_recovery(every: int) -> None:
    """The two recovery jobs (stored messages never processed, queued sends never sent)
    every `every` seconds instead of the schedule's 120 and 60, as a manager can in the
    admin; the code they run is the same."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from fixi.schedule import sync_beat_schedule

    sync_beat_schedule()
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(
        task__in=["messaging.requeue_unprocessed", "messaging.resend_due"]
    ).update(interval=interval)


# --- The system under test: web, two workers, beat ------------------------------------------


class Run:
    """The fakes, the processes and the customers of one run."""

    def __init__(self, args, tmp: Path, db_path: Path, broker_url: str):
        self.args, self.tmp, self.db_path, self.broker_url = args, tmp, db_path, broker_url
        self.green = WatchedGreenApi()
        self.gemini = FakeGemini()
        self.cloudinary = FakeCloudinary()
        self.reader = Reader()
        self.gemini.responder = self.reader
        self.photo_name = "photo.jpg"
        self.port = free_port()
        self.web = self.beat = None
        self.workers: dict[str, object] = {}
        self.env: dict = {}
        self.hooks: Webhooks | None = None
        self.started = self.deadline = 0.0
        self.kill: dict = {}

    # Start and stop.

    def start_fakes(self) -> None:
        for fake in (self.green, self.gemini, self.cloudinary):
            fake.start()
        self.green.media[self.photo_name] = FakeMedia(JPEG, "image/jpeg")

    def stop_fakes(self) -> None:
        for fake in (self.green, self.gemini, self.cloudinary):
            fake.stop()

    def environment(self) -> dict:
        env = bench_environment(
            self.db_path, self.broker_url, self.green, self.gemini, self.args.max_pro_load
        )
        env.update(CLOUDINARY_URL=self.cloudinary.cloudinary_url, DEBUG="0")
        if self.args.window is not None:
            env["QUIET_WINDOW_SECONDS"] = str(self.args.window)
        self.env = env
        return env

    def start_processes(self) -> None:
        self.web = self._start_web()
        for name in ("a", "b"):
            self._start_worker(name, self.tmp / f"worker-{name}.log")
        with (self.tmp / "beat.log").open("wb") as out:
            self.beat = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "fixi", "beat", "--loglevel", "INFO"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        wait_healthy(self.web, self.port, self.tmp / "gunicorn.log")
        self._wait_for_workers()

    def _start_web(self):
        """gunicorn as bench.webhook_ingest runs it (sync workers, one thread each), its
        output in the run's dir; the app loaded once, before the workers fork."""
        log = self.tmp / "gunicorn.log"
        command = [
            *(sys.executable, "-m", "gunicorn", "fixi.wsgi:application"),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(WEB_WORKERS)),
            *("--worker-class", "sync", "--threads", "1", "--log-level", "warning"),
            *("--preload", "--error-logfile", str(log)),
        ]
        with log.open("ab") as out:
            return subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=out, stderr=out, start_new_session=True
            )

    def _start_worker(self, name: str, log: Path) -> None:
        self.workers[name] = start_worker(
            self.env, log, name=f"load-{name}", concurrency=self.args.concurrency
        )
        self.workers[name].log = log

    def _wait_for_workers(self) -> None:
        from fixi.celery import app

        names = {f"load-{name}-{os.getpid()}@" for name in self.workers}
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for name, worker in self.workers.items():
                if worker.poll() is not None:
                    raise RuntimeError(f"worker {name} exited:\n{tail(worker.log)}")
            answered = {node for reply in app.control.ping(timeout=0.5) for node in reply}
            if all(any(node.startswith(prefix) for node in answered) for prefix in names):
                return
        raise RuntimeError("the workers did not answer a ping in time")

    def stop_processes(self) -> None:
        """SIGTERM to all at once (warm shutdown: running tasks and requests finish), then
        SIGKILL to whatever is still there after 30 s."""
        running = [p for p in (self.beat, self.web, *self.workers.values()) if p is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # each runs in a session of its own
                process.wait(timeout=10)

    # The kill.

    def kill_worker(self, name: str = "a") -> None:
        """SIGKILL worker `name` and its pool children, note what they held, start it again."""
        from messaging.models import (
            InboundMessage,
            OutboundMessage,
            OutboundStatus,
            ProcessingState,
        )

        worker = self.workers[name]
        pids = {worker.pid, *children(worker.pid)}
        used = cpu_seconds(pids)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed_at = time.monotonic() - self.started
        held = InboundMessage.objects.filter(state=ProcessingState.PROCESSING).values_list(
            "pk", "claimed_by"
        )
        in_flight = {pk for pk, holder in held if _holder_pid(holder) in pids}
        sending = set(
            OutboundMessage.objects.filter(status=OutboundStatus.SENDING).values_list(
                "pk", flat=True
            )
        )
        self._start_worker(name, self.tmp / f"worker-{name}-restarted.log")
        self.kill = {
            "worker": name,
            "at_s": round(killed_at, 1),
            "processes": len(pids),
            "messages_in_flight": len(in_flight),
            "sends_in_flight": len(sending),
            "in_flight": in_flight,
            "sending": sending,
            "cpu_s": used,
        }
        say(
            f"bench: worker {name} killed at {killed_at:.0f} s ({len(pids)} processes, "
            f"{len(in_flight)} messages and up to {len(sending)} sends in flight); restarted"
        )

    def _until_busy(self, worker, seconds: float) -> None:
        """Wait (at most `seconds`) for the worker to be in the middle of a turn, so that
        the kill lands mid-task."""
        from messaging.models import InboundMessage, ProcessingState

        until = time.monotonic() + seconds
        while time.monotonic() < until:
            pids = {worker.pid, *children(worker.pid)}
            held = InboundMessage.objects.filter(state=ProcessingState.PROCESSING)
            if any(_holder_pid(h) in pids for h in held.values_list("claimed_by", flat=True)):
                return
            time.sleep(0.05)

    def cpu(self) -> dict:
        """CPU seconds of each part so far (the killed worker's until it was killed)."""
        workers = self.kill.get("cpu_s", 0.0) + sum(
            cpu_seconds([w.pid, *children(w.pid)]) for w in self.workers.values()
        )
        return {
            "web": round(cpu_seconds([self.web.pid, *children(self.web.pid)]), 1),
            "workers": round(workers, 1),
            "beat": round(cpu_seconds([self.beat.pid]), 1),
            "this_process": round(time.process_time(), 1),
        }

    # Driving and draining.

    def drive(self, scripts_: list[Script]) -> list[Conversation]:
        conversations = [Conversation(script, self) for script in scripts_]
        threads = [threading.Thread(target=c, daemon=True) for c in conversations]
        self.started = time.monotonic()
        self.deadline = self.started + self.args.seconds
        for thread in threads:
            thread.start()
        kill_at = self.started + self.args.kill_at * self.args.seconds
        while time.monotonic() < kill_at:
            time.sleep(0.2)
        self._until_busy(self.workers["a"], KILL_WAIT_SECONDS)
        self.kill_worker("a")
        for thread in threads:
            thread.join(timeout=max(1.0, self.deadline + REPLY_TIMEOUT - time.monotonic()))
        self.hooks.join()
        return conversations

    def drain(self) -> tuple[float, dict]:
        """Wait until every stored message is processed and every queued send is sent (a
        send the kill interrupted is settled from Green API's journal 10 minutes later,
        so it is not waited for); seconds waited and what was still open."""
        from messaging.models import (
            InboundMessage,
            OutboundMessage,
            OutboundStatus,
            ProcessingState,
        )

        started = time.monotonic()
        while True:
            open_inbound = InboundMessage.objects.filter(
                state__in=[ProcessingState.PENDING, ProcessingState.PROCESSING]
            ).count()
            unsent = (
                OutboundMessage.objects.filter(
                    status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
                )
                .exclude(pk__in=list(self.kill.get("sending", ())), status=OutboundStatus.SENDING)
                .count()
            )
            waited = time.monotonic() - started
            if (open_inbound == 0 and unsent == 0) or waited > self.args.drain:
                return round(waited, 1), {"inbound_open": open_inbound, "outbound_unsent": unsent}
            for name, worker in self.workers.items():
                if worker.poll() is not None:
                    raise RuntimeError(f"worker {name} exited:\n{tail(worker.log)}")
            time.sleep(0.5)


def _holder_pid(holder: str) -> int | None:
    """The pid of a claim's holder, "host:pid:start" (a chat claim adds "#suffix")."""
    parts = holder.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


# --- The invariants, from the database -------------------------------------------------------


def invariants(accepted: set[str], kill: dict, received: list[tuple[str, str]]) -> dict:
    """Each invariant's count, and the details behind them (see the module docstring).

    `accepted`: the idMessages /webhook answered 200 for; `kill`: what the killed worker
    held ("in_flight": inbound message ids); `received`: (chat id, text) of every message
    Green API accepted."""
    figures, details = {}, {}
    figures["lost"], details["lost"] = _lost(accepted)
    figures["processed_twice"], details["processed_twice"] = _processed_twice(kill)
    figures["duplicate_sends"], details["duplicate_sends"] = _duplicate_sends(received)
    figures["double_booked"], details["slots"] = _double_booked()
    figures["over_cap"], details["loads"] = _over_cap()
    figures["without_events"], details["without_events"] = _without_events()
    return {"invariants": figures, "details": details}


def _lost(accepted: set[str]) -> tuple[int, dict]:
    from messaging.models import InboundMessage, ProcessingState

    rows = {
        message_id: (state, error)
        for message_id, state, error in InboundMessage.objects.values_list(
            "provider_message_id", "state", "error"
        )
    }
    processed = {ProcessingState.DONE, ProcessingState.IGNORED}
    missing = [i for i in accepted if i not in rows]
    unprocessed = Counter(rows[i][0] for i in accepted if i in rows and rows[i][0] not in processed)
    errors = Counter(rows[i][1][:120] for i in accepted if i in rows and rows[i][1])
    lost = len(missing) + sum(unprocessed.values())
    return lost, {
        "accepted": len(accepted),
        "missing": missing[:10],
        "not_processed": dict(unprocessed),
        "errors": dict(errors.most_common(5)),
    }


def _processed_twice(kill: dict) -> tuple[int, dict]:
    from messaging.models import InboundMessage, OutboundKind, OutboundMessage

    in_flight = kill.get("in_flight", set())
    claimed = InboundMessage.objects.filter(attempts__gt=1).values_list("pk", "attempts", "error")
    again = [(pk, n, error) for pk, n, error in claimed if n > 1 + (pk in in_flight)]
    # The job offer is the button message of the lead's offer topic (the customer's files
    # follow it under the same topic).
    offers = Counter(
        OutboundMessage.objects.filter(
            topic__startswith="offer:", kind=OutboundKind.BUTTONS
        ).values_list("topic", "chat_id")
    )
    asked_twice = sum(n - 1 for n in offers.values() if n > 1)
    return len(again) + asked_twice, {
        "claimed_again": len(again),
        "claimed_again_after_the_kill": sum(1 for pk, n, _ in claimed if pk in in_flight),
        "examples": [f"{pk} x{n} {error[:80]}" for pk, n, error in again[:5]],
        "pro_asked_twice_about_one_lead": asked_twice,
    }


def _duplicate_sends(sent: list[tuple[str, str]]) -> tuple[int, dict]:
    from messaging.models import OutboundMessage

    queued = Counter(OutboundMessage.objects.values_list("chat_id", "text"))
    received = Counter(sent)
    extra = {key: n - queued[key] for key, n in received.items() if n > queued[key]}
    statuses = Counter(OutboundMessage.objects.values_list("status", flat=True))
    return sum(extra.values()), {
        "received_by_green_api": sum(received.values()),
        "outbox_rows": sum(queued.values()),
        "outbox_statuses": dict(statuses),
        "examples": [f"{chat}: {text[:60]!r} x{n}" for (chat, text), n in list(extra.items())[:5]],
    }


def _double_booked() -> tuple[int, dict]:
    from leads.models import Lead, LeadStatus
    from scheduling.models import Slot

    held = list(
        Slot.objects.filter(lead__isnull=False).values_list("lead_id", "pro_id", "start", "end")
    )
    per_lead = Counter(lead_id for lead_id, *_ in held)
    two_slots = sum(1 for n in per_lead.values() if n > 1)
    by_pro = defaultdict(list)
    for _lead, pro_id, start, end in held:
        by_pro[pro_id].append((start, end))
    overlaps = 0
    for times in by_pro.values():
        times.sort()
        overlaps += sum(1 for a, b in itertools.pairwise(times) if b[0] < a[1])
    holding = {LeadStatus.AWAITING_PRO, LeadStatus.BOOKED}
    leads = dict(Lead.objects.values_list("pk", "status"))
    stray = sum(1 for lead_id in per_lead if leads.get(lead_id) not in holding)
    without = sum(1 for pk, status in leads.items() if status in holding and pk not in per_lead)
    return two_slots + overlaps, {
        "booked_slots": len(held),
        "leads_with_two_slots": two_slots,
        "overlapping_bookings": overlaps,
        "slots_held_by_a_closed_or_unrouted_lead": stray,
        "waiting_or_booked_leads_without_a_slot": without,
    }


def _over_cap() -> tuple[int, dict]:
    from fixi.models import BusinessSettings
    from leads.models import Lead, LeadStatus
    from pros.models import Pro

    default_cap = BusinessSettings.load().max_pro_load
    holding = [LeadStatus.CONTACTED, LeadStatus.AWAITING_PRO, LeadStatus.BOOKED]
    jobs = Counter(
        Lead.objects.filter(pro__isnull=False, status__in=holding).values_list("pro_id", flat=True)
    )
    over = mismatched = at_cap = 0
    for pk, max_load, load in Pro.objects.values_list("pk", "max_load", "current_load"):
        cap = default_cap if max_load is None else max_load
        over += load > cap or jobs[pk] > cap
        at_cap += jobs[pk] == cap
        mismatched += load != jobs[pk]
    return over, {
        "pros_at_their_cap": at_cap,
        "load_counter_differs_from_open_jobs": mismatched,
    }


def _without_events() -> tuple[int, dict]:
    from leads.models import Lead, LeadEvent

    leads = dict(Lead.objects.values_list("pk", "status"))
    seen, last = set(), {}
    events = LeadEvent.objects.order_by("created_at").values_list("lead_id", "to_status")
    for lead_id, to_status in events:
        seen.add(lead_id)
        if to_status:
            last[lead_id] = to_status
    no_events = [pk for pk in leads if pk not in seen]
    off_trail = [pk for pk, status in leads.items() if pk in seen and last.get(pk) != status]
    return len(no_events) + len(off_trail), {
        "leads": len(leads),
        "statuses": dict(Counter(leads.values())),
        "no_event": len(no_events),
        "status_not_in_events": [str(pk) for pk in off_trail[:5]],
    }


# --- Figures ------------------------------------------------------------------------------------


def figures(run: Run, conversations: list[Conversation]) -> dict:
    from bench.webhook_ingest import percentile

    steps = [step for c in conversations for step in c.steps]
    answered = [s for s in steps if s.answered is not None]
    latencies = sorted(s.latency_ms for s in answered)
    span = (max(s.answered for s in answered) - run.started) if answered else 0.0
    by_kind = {}
    for kind in ("burst", "slot", "photo", "reject", "approve", "price", "cancel"):
        mine = [s for s in steps if s.kind == kind]
        times = sorted(s.latency_ms for s in mine if s.answered is not None)
        by_kind[kind] = {
            "turns": len(mine),
            "answered": len(times),
            "p50_ms": round(percentile(times, 0.5)) if times else None,
        }
    replied = sum(1 for c in conversations if run.green.by_chat.get(c.script.chat))
    replies = Counter(n for c in conversations for n in _replies_per_turn(c, run.green))
    return {
        "customers": len(conversations),
        "customers_replied": replied,
        "english_customers": sum(1 for c in conversations if c.script.english),
        "turns": len(answered),
        "turns_unanswered": len(steps) - len(answered),
        "turns_per_s": round(len(answered) / span, 2) if span else 0.0,
        "p50_ms": round(percentile(latencies, 0.50)) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95)) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99)) if latencies else None,
        "max_ms": round(latencies[-1]) if latencies else None,
        "by_kind": by_kind,
        # A turn read twice would be answered twice; a burst the window split in two is too.
        "customer_turns_by_replies": {str(n): k for n, k in sorted(replies.items())},
        "webhooks": {
            "outcomes": dict(run.hooks.outcomes),
            "statuses": {str(k): n for k, n in sorted(run.hooks.statuses.items())},
            "delivered_twice": dict(run.hooks.duplicates),
        },
        "cities": len({c.script.city for c in conversations}),
        "pros_asked": len({s.chat for sends in run.green.offers.values() for s in sends}),
        "gemini_answers": dict(run.reader.counts),
        "program_errors": sum(1 for c in conversations if c.error),
    }


def _replies_per_turn(conversation: Conversation, green: WatchedGreenApi) -> list[int]:
    """For each of the customer's turns (and the pro's approval), the messages the customer
    received until the next turn."""
    chat = conversation.script.chat
    times = [s.at for s in green.by_chat.get(chat, ())]
    steps = conversation.steps
    ends = [s.posted for s in steps[1:]] + [float("inf")]
    return [
        sum(1 for t in times if step.posted <= t < end)
        for step, end in zip(steps, ends, strict=True)
        if step.kind != "reject"  # another pro asked: the customer is told nothing
    ]


def print_report(result: dict) -> None:
    facts, run = result["machine"], result["run"]
    print(f"Load test  {result['date']}")
    print(f"  command : {result['command']}")
    print(
        f"  machine : nproc={facts['nproc']}  {facts['cpu']}  Python {facts['python']}  "
        f"Django {facts['django']}  Celery {facts['celery']}  SQLite {facts['sqlite']}"
    )
    print(
        f"  load avg: {facts['loadavg_1m_at_start']} at the start, {result['loadavg_1m_at_end']} "
        "at the end (1 minute; other work on the machine shares its cores)"
    )
    print(
        f"  system  : gunicorn {WEB_WORKERS} sync workers, 2 Celery workers x {run['concurrency']} "
        f"prefork, beat, Redis {run['broker_url']}, SQLite (WAL) in a temp dir; quiet window "
        f"{run['window']} s; fake Green API, Gemini, Cloudinary"
    )
    print(
        f"  run     : {result['customers']} customers over {run['seconds']} s "
        f"({result['english_customers']} in English, {result['cities']} cities, "
        f"{result['pros_asked']} pros asked); worker a killed at {result['kill'].get('at_s')} s "
        f"with {result['kill'].get('messages_in_flight')} messages in flight; drained in "
        f"{result['drain_s']} s"
    )
    print()
    print(
        f"  turns   : {result['turns']} answered ({result['turns_unanswered']} unanswered), "
        f"{result['turns_per_s']} turns/s; customers with replies {result['customers_replied']}"
        f"/{result['customers']}"
    )
    print(
        f"  latency : p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms  "
        f"p99 {result['p99_ms']} ms  max {result['max_ms']} ms  (webhook in -> the reply at "
        "Green API; customer turns include the quiet window)"
    )
    kinds = "  ".join(
        f"{kind} {row['answered']}/{row['turns']} p50 {row['p50_ms']}"
        for kind, row in result["by_kind"].items()
    )
    print(f"  by turn : {kinds}")
    print(
        "  replies : customer turns by the messages that answered them "
        f"{result['customer_turns_by_replies']}"
    )
    print(f"  webhooks: {result['webhooks']}")
    print(f"  gemini  : {result['gemini_answers']}  (unknown: read by the offline dispatcher)")
    print(
        f"  CPU s   : {result['cpu_s']}  (this process: the customers, pros and fakes); "
        f"workers {result['worker_cpu_ms_per_turn']} ms per answered turn"
    )
    print()
    for name in INVARIANTS:
        value = result[name]
        print(f"  {name:<16}{value:>6}  {'ok' if value == 0 else 'BROKEN'}")
    print()
    for name, detail in result["details"].items():
        print(f"  {name}: {json.dumps(detail, ensure_ascii=False, default=str)}")
    print(f"  verdict : {result['verdict']}")


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--customers", type=int, default=200, help="simulated customers")
    parser.add_argument("--seconds", type=float, default=180.0, help="how long they write")
    parser.add_argument("--redis-db", type=int, help="the database of REDIS_URL's server")
    parser.add_argument(
        "--window", type=float, help="quiet window, seconds (default: the product's, 3)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="pool size of each worker")
    parser.add_argument(
        "--kill-at", type=float, default=0.4, help="when worker a is killed, share of --seconds"
    )
    parser.add_argument(
        "--drain", type=float, default=150.0, help="longest wait for the work left at the end"
    )
    parser.add_argument(
        "--recovery-every",
        type=int,
        default=0,
        help="run the two recovery jobs every N seconds (default: the schedule's 120 and 60)",
    )
    parser.add_argument("--max-pro-load", type=int, default=5, help="MAX_PRO_LOAD (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="the customers' scripts")
    parser.add_argument("--database", type=Path, help="SQLite file to create (kept afterwards)")
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    args = parser.parse_args(argv)
    if not (1 <= args.customers <= 5000 and 5 <= args.seconds <= 3600):
        parser.error("--customers 1..5000, --seconds 5..3600")
    if not (0 < args.kill_at < 1 and args.concurrency >= 1 and args.drain >= 0):
        parser.error("--kill-at in (0, 1), --concurrency >= 1, --drain >= 0")
    if args.database is not None and args.database.exists():
        parser.error(f"{args.database} exists: the run needs a fresh database file")
    return args


def broker_url(args) -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if args.redis_db is not None:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(path=f"/{args.redis_db}"))
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise SystemExit(f"bench: {url} is not a Redis URL")
    return url


def refuse_shared_broker(url: str) -> None:
    """Another worker taking tasks from this broker would take ours and lose them."""
    from fixi.celery import app

    queues = app.control.inspect(timeout=1.0).active_queues() or {}
    busy = [node for node, active in queues.items() if any(q["name"] == "celery" for q in active)]
    if busy:
        raise SystemExit(
            f"bench: {', '.join(busy)} already take tasks from {url}; "
            "give the run a Redis database of its own (--redis-db N)"
        )


def run_load(args, tmp: Path, db_path: Path, url: str) -> tuple[dict, list[str]]:
    run = Run(args, tmp, db_path, url)
    run.start_fakes()
    try:
        os.environ.update(run.environment())
        os.environ["LOG_LEVEL"] = "WARNING"  # this process posts, reads and checks
        import django

        django.setup()
        refuse_shared_broker(url)
        say(f"bench: migrating and seeding {db_path} ...")
        seeding = time.monotonic()
        say(f"bench: {seed_business()} in {time.monotonic() - seeding:.1f} s")
        if args.recovery_every:
            retune_recovery(args.recovery_every)
        run.hooks = Webhooks(
            run.port, run.env["GREEN_API_WEBHOOK_TOKEN"], secrets.token_hex(3).upper()
        )
        customers = scripts(args.customers, args.seconds, args.seed, run.reader)
        try:
            started = time.monotonic()
            run.start_processes()
            say(f"bench: web, 2 workers and beat up in {time.monotonic() - started:.1f} s")
            say(f"bench: {args.customers} customers for {args.seconds:g} s ...")
            conversations = run.drive(customers)
            say(f"bench: conversations over at {time.monotonic() - run.started:.0f} s; draining")
            drain_s, left = run.drain()
            cpu = run.cpu()
        finally:
            stopping = time.monotonic()
            run.stop_processes()
            say(f"bench: processes stopped in {time.monotonic() - stopping:.1f} s")
        from fixi.celery import app

        app.control.purge()  # tasks left for later (deferred, retries): nobody will run them
        received = [(s.chat, s.text) for sends in run.green.by_chat.values() for s in sends]
        checked = invariants(run.hooks.accepted, run.kill, received)
        result = {**figures(run, conversations), **checked}
        result["drain_s"], result["left_at_the_end"] = drain_s, left
        hidden = ("in_flight", "sending", "cpu_s")
        result["kill"] = {k: v for k, v in run.kill.items() if k not in hidden}
        result["cpu_s"] = cpu
        turns = result["turns"] or 1
        result["worker_cpu_ms_per_turn"] = round(cpu["workers"] * 1000 / turns, 1)
        errors = [c.error for c in conversations if c.error]
        logs = [
            tail(path, 5)
            for path in sorted(tmp.glob("*.log"))
            if "ERROR" in path.read_text(errors="replace")
        ]
        return result, errors + logs
    finally:
        run.stop_fakes()


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    url = broker_url(args)
    facts = machine("celery", "kombu", "gunicorn")
    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-load-"))
    db_path = args.database.resolve() if args.database else tmp / "load.sqlite3"
    try:
        result, problems = run_load(args, tmp, db_path, url)
    finally:
        if args.database:
            say(f"bench: the processes' logs are in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    checked = result.pop("invariants")
    flat = {**result, **checked}
    broken = [name for name in INVARIANTS if flat[name]]
    flat["verdict"] = (
        f"BROKEN: {', '.join(broken)}" if broken else "every invariant holds (all six are 0)"
    )
    flat.update(
        date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command="python -m bench.load " + " ".join(sys.argv[1:] if argv is None else argv),
        machine=facts,
        loadavg_1m_at_end=round(os.getloadavg()[0], 2),
        run={
            "seconds": args.seconds,
            "concurrency": args.concurrency,
            "window": args.window if args.window is not None else 3.0,
            "broker_url": url,
            "kill_at": args.kill_at,
            "recovery_every": args.recovery_every or "schedule",
            "max_pro_load": args.max_pro_load,
            "seed": args.seed,
        },
    )
    for problem in problems[:3]:
        say(f"bench: {problem}")
    if args.json:
        print(json.dumps(flat, ensure_ascii=False, default=str))
    else:
        print_report(flat)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
