"""Pipeline benchmark: customer messages one Celery worker processes end to end, next to a
no-op task round trip on the same broker, and the worker's peak memory.

    python -m bench.pipeline [--messages 300] [--noop 2000] [--breakdown 40]
                             [--broker-url URL] [--ai gemini|offline] [--json]
                             [--breakdown-only] [--queries]

Against a throwaway, migrated SQLite database (seed_demo: 13 pros in 10 cities, 14 days
of slots) it starts the fake Green API and the fake Gemini of the test suite in this
process and ONE real worker (prefork, concurrency 1, default queue) on Redis, then:

1. baseline: --noop `celery.backend_cleanup` tasks (Celery's built-in; it calls the
   result backend's cleanup, a no-op without a result backend) and one `fixi.heartbeat`
   marker behind them; the clock stops at the marker's DB write. The worker takes one
   message at a time (prefetch 1), so the marker runs after all the others.
2. pipeline: --messages distinct Hebrew customer messages (each a new customer, so a new
   lead, in a city and trade the demo pros serve, with an address and a time) stored
   through messaging.inbox.ingest in one transaction, so the processing tasks are
   enqueued back to back when it commits. The clock runs from that commit until every
   message is done or ignored and every outbox row it queued is sent (the send tasks run
   on the same worker). The fake Gemini answers the dispatcher and the persona replies
   through the real google-genai SDK; the fake Green API accepts every send.
3. baseline again (drift).
4. breakdown: with the worker stopped, --breakdown more customers go through the same
   functions the tasks call (ingest, the task that comes before the quiet window, the
   turn, each send) in this process, each with a first message and then a follow-up on
   the lead it opened, and the SQL queries, HTTP requests and CPU time of each stage are
   counted per run, the Gemini SDK calls inside the turns on a line of their own: where
   the time goes. The queries of each turn stand beside the goal (<= 20), and the
   worker's CPU per message without the SDK's own beside the no-op task's.
   --queries lists each stage's SQL by the line of Fixi's code that ran it (the stack
   is read for every query, so CPU figures of such a run are inflated);
   --breakdown-only runs this phase alone (no worker, baseline or pipeline).

While the pipeline runs, the RSS of the worker and its pool child is sampled every
100 ms. It prints messages/s, outbox sends/s, the ratio to the baseline, the memory
peaks and a verdict (pipeline/no-op >= 0.25, worker RSS <= 300 MB). It asserts nothing.
The broker's Redis database is flushed at the start and at the end.
"""

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bench.common import REPO, children, cpu_seconds, machine, manage, say, tail
from tests.fakes.gemini import reading as gemini_reading

RATIO_GOAL = 0.25
RSS_GOAL_MB = 300
SAMPLE_SECONDS = 0.1
POLL_SECONDS = 0.05
STARTUP_TIMEOUT = 90
BASELINE_TIMEOUT = 300
MAX_PRO_LOAD = 1000  # the demo's 13 pros would otherwise cap out after ~50 leads
LOCAL = ZoneInfo("Asia/Jerusalem")
NOOP_TASK = "celery.backend_cleanup"
MARKER_TASK = "fixi.heartbeat"
RUN_KEYS = (
    "messages",
    "noop",
    "warmup",
    "breakdown",
    "broker_url",
    "ai",
    "max_pro_load",
    "timeout",
)

# (city as the customer writes it, trade, the request, a street): one per pro the demo
# seeds without a load cap of its own, Haifa plumbing twice.
SCENARIOS = [
    ("חיפה", "plumbing", "יש לי נזילה מתחת לכיור במטבח, צריך אינסטלטור", "רחוב הרצל"),
    ("חיפה", "plumbing", "האסלה סתומה ולא מתרוקנת, צריך אינסטלטור", "שדרות מוריה"),
    ("רמת גן", "plumbing", "הברז במקלחת מטפטף כל הלילה", "רחוב ביאליק"),
    ("חולון", "electrical", "החשמל קופץ כל פעם שמדליקים את התנור", "רחוב סוקולוב"),
    ("באר שבע", "hvac", "המזגן בסלון לא מקרר ומטפטף מים", "שדרות רגר"),
    ("ירושלים", "locksmith", "צריך להחליף צילינדר בדלת הכניסה", "רחוב יפו"),
    ("פתח תקווה", "appliances", "מכונת הכביסה לא מסחררת ומשאירה מים בתוף", "רחוב רוטשילד"),
    ("ירושלים", "sealing", "יש רטיבות בתקרה של חדר האמבטיה אחרי הגשם", "רחוב עזה"),
]
HEBREW_WEEKDAYS = ["שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת", "ראשון"]  # Monday first
HOURS = range(9, 16)
FIRST_NAMES = ["דנה", "יוסי", "מיכל", "אבי", "נועה", "רונית", "משה", "שירה", "עומר", "תמר"]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- The customer messages and what the fake Gemini answers for them ---------------------


def working_days(count: int, today: dt.date) -> list[dt.date]:
    """The next `count` days (from tomorrow) that are Sunday to Thursday in Israel."""
    days, day = [], today
    while len(days) < count:
        day += dt.timedelta(days=1)
        if day.weekday() in (6, 0, 1, 2, 3):
            days.append(day)
    return days


class Messages:
    """N customer messages, each from a new chat, and the dispatcher reading of each."""

    def __init__(self, count: int, run_tag: str, first: int = 0):
        today = datetime.now(LOCAL).date()
        days = working_days(9, today)  # seed_demo generates 14 days of slots
        self.payloads, self.follow_ups, self.readings = [], [], {}
        for index in range(first, first + count):
            city, trade, request, street = SCENARIOS[index % len(SCENARIOS)]
            turn = index // len(SCENARIOS)
            day, hour = days[turn % len(days)], HOURS[(turn // len(days)) % len(HOURS)]
            number, name = 10 + index % 90, FIRST_NAMES[index % len(FIRST_NAMES)]
            text = (
                f"שלום, {request}. אני ב{city}, {street} {number}. "
                f"אפשר ביום {HEBREW_WEEKDAYS[day.weekday()]} {day.day}.{day.month} "
                f"בשעה {hour}:00? תודה, {name} #{index}"
            )
            chat = f"97252{index:07d}@c.us"  # demo pros are 050-5550xxx: never a customer
            self.readings[text] = gemini_reading(
                city=city,
                issue_type=trade,
                summary=request,
                address=f"{street} {number}, {city}",
                requested_date=day.isoformat(),
                requested_time=f"{hour:02d}:00",
                customer_name=name,
            )
            self.payloads.append(webhook(chat, name, text, f"BAE5{run_tag}{index:08X}"))
            later, later_text, self.readings[later_text] = follow_up(self.payloads[-1], index)
            self.follow_ups.append(later)


def webhook(chat: str, name: str, text: str, message_id: str) -> dict:
    from tests.messaging.shapes import envelope

    body = envelope(
        {"typeMessage": "textMessage", "textMessageData": {"textMessage": text}},
        chat_id=chat,
        id_message=message_id,
    )
    body["senderData"].update(chatName=name, senderName=name)
    body["timestamp"] = int(time.time())
    return body


class Responder:
    """The fake Gemini's answers: the reading of a known message for the dispatcher, a
    Hebrew reply naming the first price item for the persona; counted by kind."""

    PERSONA_TEXT = "שלום, תודה שפנית אליי. אגיע בזמן שקבענו, אבדוק את התקלה במקום ואסביר מה צריך."

    def __init__(self):
        self.readings: dict[str, dict] = {}
        self.counts = Counter()
        self._lock = threading.Lock()

    def __call__(self, model: str, body: dict):
        config = json.dumps(body.get("generationConfig") or body.get("generation_config") or {})
        if "reply_text" in config:
            self._count("persona")
            system = json.dumps(body.get("systemInstruction") or {})
            ids = _UUID.findall(system)
            return {"reply_text": self.PERSONA_TEXT, "intent": "booking", "price_item_ids": ids[:1]}
        lines = [
            line.strip()
            for content in body.get("contents", [])
            for part in content.get("parts", [])
            for line in str(part.get("text", "")).splitlines()
        ]
        for line in reversed(lines):  # the latest message of the lead is its last line
            if line in self.readings:
                self._count("dispatch")
                return self.readings[line]
        self._count("dispatch_unknown")
        return "not json"  # rejected by the schema check: the offline dispatcher reads it

    def _count(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1


# --- The environment, the database, the worker ---------------------------------------------


def bench_environment(db_path: Path, broker_url: str, green, gemini, max_pro_load) -> dict:
    env = dict(os.environ)
    for name in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "AI_MODELS", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="fixi.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        DATABASE_URL=f"sqlite:///{db_path}",
        CELERY_BROKER_URL=broker_url,
        GREEN_API_URL=green.url,
        GREEN_API_MEDIA_URL=green.url,
        GREEN_API_ID=green.instance_id,
        GREEN_API_TOKEN=green.token,
        GREEN_API_WEBHOOK_TOKEN=secrets.token_urlsafe(32),
        # Empty values are said out loud, so a .env cannot point the run at a real service.
        GEMINI_API_KEY=gemini.api_key if gemini else "",
        GEMINI_BASE_URL=gemini.url if gemini else "",
        CLOUDINARY_URL="",
        ADMIN_WHATSAPP="",
        MAX_PRO_LOAD=str(max_pro_load),
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
    )
    return env


def start_worker(env: dict, log: Path, name: str = "bench", concurrency: int = 1):
    """A prefork worker on the default queue, in a session of its own (so that it and its
    pool children can be signalled together), logging to `log`."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "fixi", "worker"),
        *("--concurrency", str(concurrency), "--pool", "prefork"),
        *("--without-gossip", "--without-mingle", "-Q", "celery", "--loglevel", "INFO"),
        *("--hostname", f"{name}-{os.getpid()}@%h"),
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # warm shutdown: the running task finishes
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # its own session: the worker and its child
            worker.wait(timeout=10)


def flush_broker(url: str) -> int:
    """Empty the broker's Redis database; the keys it held."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = client.dbsize()
        client.flushdb()
        return keys
    finally:
        client.close()


def queue_length(url: str, queue: str = "celery") -> int:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return client.llen(queue)
    finally:
        client.close()


# --- Memory and CPU of the worker (Linux /proc) ----------------------------------------------


def status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


class MemorySampler(threading.Thread):
    """The RSS of the worker's main process plus its pool children, every 100 ms."""

    def __init__(self, main_pid: int):
        super().__init__(daemon=True)
        self.main_pid = main_pid
        self.stopping = threading.Event()
        self.samples = 0
        self.peak_sum_kb = self.peak_main_kb = self.peak_child_kb = 0
        self.child_pids: set[int] = set()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(SAMPLE_SECONDS)

    def sample(self) -> None:
        main = status_kb(self.main_pid, "VmRSS") or 0
        kids = children(self.main_pid)
        self.child_pids.update(kids)
        child = sum(status_kb(pid, "VmRSS") or 0 for pid in kids)
        self.samples += 1
        self.peak_main_kb = max(self.peak_main_kb, main)
        self.peak_child_kb = max(self.peak_child_kb, child)
        self.peak_sum_kb = max(self.peak_sum_kb, main + child)

    def stop(self) -> dict:
        self.stopping.set()
        self.join(timeout=2)
        self.sample()
        kids = children(self.main_pid)
        return {
            "samples": self.samples,
            "peak_rss_sum_mb": mb(self.peak_sum_kb),
            "peak_rss_main_mb": mb(self.peak_main_kb),
            "peak_rss_child_mb": mb(self.peak_child_kb),
            "main_vmhwm_mb": mb(status_kb(self.main_pid, "VmHWM")),
            "child_vmhwm_mb": mb(sum(status_kb(pid, "VmHWM") or 0 for pid in kids)),
            "pool_children_seen": len(self.child_pids),
        }


def mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


# --- The phases --------------------------------------------------------------------------------


def wait_for(predicate, timeout: float, worker: subprocess.Popen, log: Path, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}:\n{tail(log)}")
        value = predicate()
        if value:
            return value
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{what} did not happen within {timeout:g} s:\n{tail(log)}")


def marker_after(since: datetime):
    """The worker's heartbeat time once it is later than `since`, else None."""
    from fixi.models import Heartbeat

    seen = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    return seen if seen is not None and seen > since else None


def run_marker(worker, log, timeout: float) -> datetime:
    from django.utils import timezone

    from fixi.celery import app

    sent = timezone.now()
    app.send_task(MARKER_TASK)
    return wait_for(lambda: marker_after(sent), timeout, worker, log, "the marker task")


def succeeded_lines(log: Path, task: str) -> int:
    needle = f"Task {task}["
    with log.open(errors="replace") as lines:
        return sum(1 for line in lines if needle in line and "succeeded" in line)


def run_baseline(count: int, worker, log: Path, broker_url: str) -> dict:
    from fixi.celery import app

    before = succeeded_lines(log, NOOP_TASK)
    pids = [worker.pid, *children(worker.pid)]
    cpu_before = cpu_seconds(pids)
    start = time.time()
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            app.send_task(NOOP_TASK, producer=producer)
    published = time.time()
    finished = run_marker(worker, log, BASELINE_TIMEOUT).timestamp()
    cpu = cpu_seconds(pids) - cpu_before
    elapsed = finished - start
    return {
        "tasks": count,
        "seconds": round(elapsed, 3),
        "tasks_per_s": round(count / elapsed, 1),
        "publish_seconds": round(published - start, 3),
        "worker_cpu_ms_per_task": round(cpu / count * 1000, 3),
        "succeeded_in_log": succeeded_lines(log, NOOP_TASK) - before,
        "queue_left": queue_length(broker_url),
    }


def store(messages: Messages) -> tuple[float, list]:
    """Ingest every message in one transaction; the time its commit published the first
    task (on_commit callbacks run in order), and the stored ids."""
    from django.db import transaction

    from messaging import inbox

    started = {}
    with transaction.atomic():
        transaction.on_commit(lambda: started.setdefault("at", time.time()))
        outcomes = [inbox.ingest(payload) for payload in messages.payloads]
    stored = [o.inbound_id for o in outcomes if o.outcome == "stored"]
    if len(stored) != len(messages.payloads):
        raise RuntimeError(f"only {len(stored)} of {len(messages.payloads)} messages stored")
    return started["at"], stored


def unfinished(ids: list) -> tuple[int, int]:
    from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState

    final = [ProcessingState.DONE, ProcessingState.IGNORED, ProcessingState.FAILED]
    inbound = InboundMessage.objects.filter(pk__in=ids).exclude(state__in=final).count()
    outbound = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING]
    ).count()
    return inbound, outbound


def run_pipeline(messages: Messages, worker, log: Path, timeout: float) -> dict:
    from django.db.models import Max, Sum

    from messaging.models import InboundMessage, OutboundMessage

    sent_before = set(OutboundMessage.objects.values_list("pk", flat=True))
    pids = [worker.pid, *children(worker.pid)]
    cpu_before, bench_cpu_before = cpu_seconds(pids), time.process_time()
    started, ids = store(messages)
    wait_for(lambda: unfinished(ids) == (0, 0), timeout, worker, log, "the pipeline")
    cpu = cpu_seconds(pids) - cpu_before
    bench_cpu = time.process_time() - bench_cpu_before
    rows = InboundMessage.objects.filter(pk__in=ids)
    outbox = OutboundMessage.objects.exclude(pk__in=sent_before)
    last = max(
        filter(
            None,
            [
                rows.aggregate(last=Max("processed_at"))["last"],
                outbox.aggregate(last=Max("sent_at"))["last"],
            ],
        )
    )
    elapsed = last.timestamp() - started
    sends = outbox.filter(sent_at__isnull=False).count()
    return {
        "messages": len(ids),
        "seconds": round(elapsed, 3),
        "messages_per_s": round(len(ids) / elapsed, 2),
        "outbox_rows": outbox.count(),
        "sends": sends,
        "sends_per_s": round(sends / elapsed, 2),
        # One processing task per message, one send task per outbox row (more on a retry).
        "tasks_per_s": round((len(ids) + outbox.aggregate(n=Sum("attempts"))["n"]) / elapsed, 1),
        "worker_cpu_ms_per_message": round(cpu / len(ids) * 1000, 2),
        "bench_cpu_ms_per_message": round(bench_cpu / len(ids) * 1000, 2),
        "worker_cpu_share": round(cpu / elapsed, 3),
        "inbound_states": dict(Counter(rows.values_list("state", flat=True))),
        "outbox_statuses": dict(Counter(outbox.values_list("status", flat=True))),
        "outbox_kinds": dict(Counter(outbox.values_list("kind", flat=True))),
        "attempts_over_1": outbox.filter(attempts__gt=1).count(),
    }


def lead_outcomes(ids: list) -> dict:
    """Where the leads of the measured messages ended, and who read them."""
    from leads.models import Lead, LeadEvent
    from messaging.models import InboundMessage

    chats = InboundMessage.objects.filter(pk__in=ids).values_list("chat_id", flat=True)
    leads = Lead.objects.filter(customer__chat_id__in=list(chats))
    statuses = Counter()
    for status, pro_id in leads.values_list("status", "pro_id"):
        statuses[f"{status}{'' if pro_id is None else '+pro'}"] += 1
    sources = Counter(
        (data or {}).get("source", "?")
        for data in LeadEvent.objects.filter(lead__in=leads, action="replied").values_list(
            "data", flat=True
        )
    )
    return {
        "leads": leads.count(),
        "statuses": dict(sorted(statuses.items())),
        "dispatch_sources": dict(sorted(sources.items())),
    }


TURN_QUERY_GOAL = 20  # SQL queries of a common customer turn (processing, not the sends)
STAGES = (
    ("ingest", "ingest (the webhook's part, not the worker's)"),
    ("early task", "processing task before the quiet window: put back"),
    ("first turn", "new customer: read, lead, route, book, ask the pro, answer"),
    ("follow-up turn", "a detail on the open lead: the pro told, the customer answered"),
    ("gemini", "of which the Gemini calls through the SDK (both turns)"),
    ("send", "sending (one task per outbox row)"),
)
TURN_STAGES = ("first turn", "follow-up turn")
WORKER_STAGES = ("early task", *TURN_STAGES, "send")


def follow_up(payload: dict, index: int) -> tuple[dict, str, dict]:
    """The customer's next message on the lead the first one opened: a detail for the pro
    (the entry code and the floor), with the dispatcher's reading of it."""
    chat = payload["senderData"]["chatId"]
    name = payload["senderData"]["senderName"]
    text = f"הקוד בכניסה לבניין הוא {1000 + index}, קומה {index % 9 + 1}"
    reading = gemini_reading()
    return webhook(chat, name, text, payload["idMessage"] + "F"), text, reading


class CallSites(deque):
    """The SQL of a stage grouped by the line of Fixi's code that ran it (the innermost
    frame outside Django and the bench): how many times, and one statement as an example.
    It stands in for the connection's query log, so it sees what the query counts count,
    transaction statements (BEGIN, SAVEPOINT, COMMIT) included."""

    def __init__(self, log: deque):
        super().__init__(log, maxlen=log.maxlen)
        self.stage = None
        self.sites: dict[str, Counter] = {}
        self.examples: dict[tuple[str, str], str] = {}

    def append(self, entry) -> None:
        super().append(entry)
        if self.stage is not None:
            site = self.site()
            self.sites.setdefault(self.stage, Counter())[site] += 1
            sql = " ".join(str(entry.get("sql", "")).split())
            self.examples.setdefault((self.stage, site), sql[:150])

    @staticmethod
    def site() -> str:
        own = [
            frame
            for frame in traceback.extract_stack()
            if frame.filename.startswith(str(REPO))
            and "/.venv/" not in frame.filename
            and "/bench/" not in frame.filename
        ]
        if not own:
            return "?"
        frame = own[-1]
        return f"{Path(frame.filename).relative_to(REPO)}:{frame.lineno} {frame.name}"


def breakdown(messages: Messages, green, gemini, call_sites: bool = False) -> dict:
    """Where a message's work goes, in this process with the worker stopped: the same
    processing and send functions the tasks call, run one after the other for each
    message, with the SQL queries, the HTTP requests to the fakes and this thread's CPU
    time counted per stage (the fakes answer on threads of their own).

    Each message is taken as the worker takes it: its task comes before the quiet window
    has passed and puts itself back ("early task"); the message is then dated back by the
    window (outside the counts) and the task run again ("first turn"); every outbox row
    it queued is sent. Then the customer writes again on the lead it opened, and the same
    happens to that message ("follow-up turn")."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ai import gemini as sdk_calls
    from fixi.models import BusinessSettings
    from leads.conversation import process_inbound
    from messaging import inbox, outbox
    from messaging.models import InboundMessage, OutboundMessage, OutboundStatus

    stages = {
        name: {"cpu_ms": 0.0, "queries": 0, "http": 0, "runs": 0, "counts": []}
        for name, _ in STAGES
    }
    sdk_ms = Counter()  # the SDK's CPU inside each turn stage
    current = []  # the stages being counted, outermost first
    sites = CallSites(connection.queries_log) if call_sites else None
    asking = sdk_calls.generate_structured
    window = dt.timedelta(seconds=float(BusinessSettings.load().quiet_window_seconds) + 1)

    def timed_ask(**kwargs):  # the dispatcher and the persona look it up on the module
        return counted("gemini", lambda: asking(**kwargs))

    def http_requests() -> int:
        return len(green.requests) + (len(gemini.requests) if gemini else 0)

    def counted(name: str, call):
        current.append(name)
        if sites is not None:
            sites.stage = current[0]  # the SDK's calls count with the turn they are part of
        http_before = http_requests()
        cpu_before = time.thread_time()
        try:
            with CaptureQueriesContext(connection) as queries:
                value = call()
        finally:
            current.pop()
        spent = (time.thread_time() - cpu_before) * 1000
        stage = stages[name]
        stage["cpu_ms"] += spent
        stage["queries"] += len(queries.captured_queries)
        stage["http"] += http_requests() - http_before
        stage["runs"] += 1
        stage["counts"].append(len(queries.captured_queries))
        if current:
            sdk_ms[current[-1]] += spent
        return value

    def one_message(payload: dict, turn: str) -> None:
        stored = counted("ingest", lambda: inbox.ingest(payload))
        inbound_id = str(stored.inbound_id)
        counted("early task", lambda: process_inbound(inbound_id))
        arrived = InboundMessage.objects.get(pk=inbound_id).created_at
        InboundMessage.objects.filter(pk=inbound_id).update(created_at=arrived - window)
        counted(turn, lambda: process_inbound(inbound_id))
        queued = OutboundMessage.objects.filter(status=OutboundStatus.QUEUED)
        for pk in queued.order_by("created_at").values_list("pk", flat=True):
            counted("send", lambda pk=pk: outbox.send(str(pk)))

    sdk_calls.generate_structured = timed_ask
    plain_log = connection.queries_log
    if sites is not None:
        connection.queries_log = sites
    try:
        for index, payload in enumerate(messages.payloads):
            one_message(payload, "first turn")
            one_message(messages.follow_ups[index], "follow-up turn")
    finally:
        sdk_calls.generate_structured = asking
        connection.queries_log = plain_log
    count = len(messages.payloads)
    per_run = {}
    for name, stage in stages.items():
        runs = stage["runs"] or 1
        per_run[name] = {
            "runs_per_customer": round(stage["runs"] / count, 2),
            "cpu_ms": round(stage["cpu_ms"] / runs, 2),
            "queries": round(stage["queries"] / runs, 1),
            "queries_min": min(stage["counts"], default=0),
            "queries_max": max(stage["counts"], default=0),
            "http_requests": round(stage["http"] / runs, 2),
        }
    worker_ms = sum(stages[name]["cpu_ms"] for name in WORKER_STAGES)
    result = {
        "customers": count,
        "messages": 2 * count,
        "per_run": per_run,
        "turn_query_goal": TURN_QUERY_GOAL,
        # What the worker spends on a message (early task, turn, sends), the SDK's own
        # CPU left out: once over both turns, once for the first turn (the pipeline's mix).
        "worker_cpu_ms_per_message_without_sdk": round(
            (worker_ms - stages["gemini"]["cpu_ms"]) / (2 * count), 2
        ),
        "sdk_cpu_ms_per_message": round(stages["gemini"]["cpu_ms"] / (2 * count), 2),
        "sdk_cpu_ms_per_first_turn": round(sdk_ms["first turn"] / count, 2),
    }
    if sites is not None:
        result["call_sites"] = {
            stage: [
                {
                    "site": site,
                    "queries_per_run": round(n / (stages[stage]["runs"] or 1), 2),
                    "example": sites.examples[stage, site],
                }
                for site, n in sorted(found.items(), key=lambda item: (-item[1], item[0]))
            ]
            for stage, found in sites.sites.items()
        }
    return result


# --- Figures ------------------------------------------------------------------------------------


def combine(result: dict) -> dict:
    before, after = result["baseline_before"], result["baseline_after"]
    pipeline, memory = result["pipeline"], result["memory"]
    baseline = (before["tasks_per_s"] + after["tasks_per_s"]) / 2
    figures = {
        "ratio": round(pipeline["messages_per_s"] / baseline, 4) if baseline else 0.0,
        "baseline_tasks_per_s": round(baseline, 1),
        "baseline_drift": round(after["tasks_per_s"] / before["tasks_per_s"] - 1, 3),
        "peak_rss_mb": memory["peak_rss_sum_mb"],
        "all_finished": set(pipeline["inbound_states"]) <= {"done", "ignored"}
        and set(pipeline["outbox_statuses"]) <= {"sent"},
        "noop_counted": before["succeeded_in_log"] == before["tasks"]
        and after["succeeded_in_log"] == after["tasks"],
    }
    problems = []
    if figures["ratio"] < RATIO_GOAL:
        problems.append(f"pipeline/no-op {figures['ratio']:.3f} < {RATIO_GOAL}")
    if figures["peak_rss_mb"] > RSS_GOAL_MB:
        problems.append(f"worker RSS {figures['peak_rss_mb']} MB > {RSS_GOAL_MB} MB")
    if not figures["all_finished"]:
        problems.append("not every message done and every send sent")
    figures["verdict"] = (
        "FAIL: " + "; ".join(problems)
        if problems
        else f"PASS: pipeline at {figures['ratio']:.3f}x the no-op round trip (goal >= "
        f"{RATIO_GOAL}), worker peak RSS {figures['peak_rss_mb']} MB (goal <= {RSS_GOAL_MB})"
    )
    return figures


def print_report(result: dict) -> None:
    facts, run, figures = result["machine"], result["run"], result["figures"]
    pipeline, memory, leads = result["pipeline"], result["memory"], result["leads"]
    print(f"Pipeline benchmark  {result['date']}")
    print(f"  command : {result['command']}")
    print(
        f"  machine : nproc={facts['nproc']}  Python {facts['python']}  Django {facts['django']}"
        f"  Celery {facts['celery']}  kombu {facts['kombu']}  SQLite {facts['sqlite']}  "
        f"({facts['cpu']}); load average before: {facts['loadavg_1m_at_start']}"
    )
    print(
        f"  worker  : 1 prefork child, default queue, broker {run['broker_url']}, "
        f"SQLite in a temp dir, DEBUG=0, LOG_LEVEL=INFO; MAX_PRO_LOAD={run['max_pro_load']}"
    )
    print(f"  fake AI : {result['ai_path']}")
    print()
    print(
        f"  baseline: {run['noop']} x {NOOP_TASK} (built-in; no result backend, so nothing to "
        f"clean) + 1 {MARKER_TASK} marker, from the first publish to the marker's DB write"
    )
    print(
        f"  {'phase':<17}{'tasks/s':>9}{'tasks':>7}{'seconds':>9}{'publish s':>11}"
        f"{'CPU ms/task':>13}{'in log':>8}"
    )
    for name in ("baseline_before", "baseline_after"):
        phase = result[name]
        print(
            f"  {name:<17}{phase['tasks_per_s']:>9.1f}{phase['tasks']:>7}{phase['seconds']:>9.2f}"
            f"{phase['publish_seconds']:>11.2f}{phase['worker_cpu_ms_per_task']:>13.3f}"
            f"{phase['succeeded_in_log']:>8}"
        )
    print()
    print(
        f"  pipeline: {pipeline['messages']} messages in {pipeline['seconds']:.2f} s = "
        f"{pipeline['messages_per_s']:.2f} msgs/s; {pipeline['sends']} sends = "
        f"{pipeline['sends_per_s']:.2f} sends/s (outbox kinds {pipeline['outbox_kinds']}); "
        f"{pipeline['tasks_per_s']} tasks/s counting processing and send tasks"
    )
    print(
        f"    worker CPU {pipeline['worker_cpu_ms_per_message']} ms/message "
        f"({pipeline['worker_cpu_share']:.0%} of one core); this process (fakes, polling) "
        f"{pipeline['bench_cpu_ms_per_message']} ms/message"
    )
    print(
        f"    inbound {pipeline['inbound_states']}; outbox {pipeline['outbox_statuses']}, "
        f"{pipeline['attempts_over_1']} sent after a retry"
    )
    print(f"    leads {leads['statuses']}; dispatcher {leads['dispatch_sources']}")
    print(
        f"    fake Gemini answers {result['gemini_answers']}; fake Green API sends "
        f"{result['green_api_sends']}"
    )
    print(
        f"  memory  : peak RSS main+child {memory['peak_rss_sum_mb']} MB (main "
        f"{memory['peak_rss_main_mb']}, child {memory['peak_rss_child_mb']}); VmHWM child "
        f"{memory['child_vmhwm_mb']} MB, main {memory['main_vmhwm_mb']} MB; "
        f"{memory['samples']} samples, {memory['pool_children_seen']} pool child(ren)"
    )
    print()
    print(
        f"  pipeline/no-op ratio : {figures['ratio']:.4f}  (goal >= {RATIO_GOAL}; baseline = "
        f"mean of both no-op phases, {figures['baseline_tasks_per_s']} tasks/s; drift "
        f"{figures['baseline_drift']:+.1%})"
    )
    print(f"  verdict              : {figures['verdict']}")
    if "breakdown" in result:
        print()
        print_breakdown(result["breakdown"], result.get("baseline_before"), pipeline)


def print_breakdown(split: dict, baseline: dict | None = None, pipeline: dict | None = None):
    print(
        f"  one message's cost: {split['customers']} more customers of two messages each (the "
        f"first, then a follow-up on its lead), the worker stopped, the task functions called "
        f"in this process; CPU of this thread only; figures a run of the stage"
    )
    print(
        f"  {'stage':<15}{'runs':>6}{'CPU ms':>9}{'queries':>9}{'min-max':>9}{'HTTP':>6}  "
        f"(runs: a customer's)"
    )
    labels = dict(STAGES)
    for name, stage in split["per_run"].items():
        spread = f"{stage['queries_min']}-{stage['queries_max']}"
        print(
            f"  {name:<15}{stage['runs_per_customer']:>6}{stage['cpu_ms']:>9.2f}"
            f"{stage['queries']:>9.1f}{spread:>9}{stage['http_requests']:>6}  {labels[name]}"
        )
    goal = split["turn_query_goal"]
    for name in TURN_STAGES:
        most = split["per_run"][name]["queries_max"]
        verdict = "met" if most <= goal else "NOT met"
        print(f"  {name + ' queries':<24}: at most {most} a turn (goal <= {goal}: {verdict})")
    own = split["worker_cpu_ms_per_message_without_sdk"]
    print(
        f"  {'worker CPU, no SDK':<24}: {own:.2f} ms a message in this process (early task, "
        f"turn, sends; the SDK's own {split['sdk_cpu_ms_per_message']:.2f} ms left out)"
    )
    if pipeline and baseline:
        noop = baseline["worker_cpu_ms_per_task"]
        in_worker = pipeline["worker_cpu_ms_per_message"] - split["sdk_cpu_ms_per_first_turn"]
        print(
            f"  {'':<24}  {in_worker:.2f} ms a message in the worker with Celery (its "
            f"{pipeline['worker_cpu_ms_per_message']} ms less the SDK's "
            f"{split['sdk_cpu_ms_per_first_turn']:.2f}) against {noop:.2f} ms a no-op task: "
            f"{in_worker / noop:.1f} no-op round trips"
        )
    for stage, sites in split.get("call_sites", {}).items():
        print()
        print(f"  SQL of '{stage}' by call site (queries a run; an example statement)")
        for site in sites:
            print(f"  {site['queries_per_run']:>6.2f}  {site['site']}")
            print(f"          {site['example']}")


# --- Main ------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--messages", type=int, default=300, help="customer messages")
    parser.add_argument("--noop", type=int, default=2000, help="no-op tasks per baseline")
    parser.add_argument(
        "--warmup", type=int, default=8, help="messages processed before the clock (default 8)"
    )
    parser.add_argument(
        "--broker-url",
        default="redis://127.0.0.1:6379/13",
        help="a Redis database of its own, flushed at start and end (default db 13)",
    )
    parser.add_argument(
        "--ai",
        choices=("gemini", "offline"),
        default="gemini",
        help="gemini: the fake Gemini through the real SDK; offline: no GEMINI_API_KEY",
    )
    parser.add_argument(
        "--breakdown",
        type=int,
        default=40,
        help="messages run in this process afterwards to split a message's cost (0: none)",
    )
    parser.add_argument(
        "--breakdown-only",
        action="store_true",
        help="only the breakdown: no worker, no baseline, no pipeline (needs Redis all the same)",
    )
    parser.add_argument(
        "--queries",
        action="store_true",
        help="list the breakdown's SQL per stage, grouped by the line of code that ran it",
    )
    parser.add_argument("--max-pro-load", type=int, default=MAX_PRO_LOAD, help="MAX_PRO_LOAD")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for the pipeline")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.breakdown_only and not args.breakdown:
        parser.error("--breakdown-only needs --breakdown of at least 1")
    if not (
        1 <= args.messages <= 100_000
        and 1 <= args.noop <= 1_000_000
        and args.warmup >= 0
        and args.breakdown >= 0
    ):
        parser.error("--messages 1..100000, --noop 1..1000000, --warmup and --breakdown >= 0")
    url = urlsplit(args.broker_url)
    if url.scheme not in ("redis", "rediss") or url.path.strip("/") in ("", "0"):
        parser.error("--broker-url must name a Redis database other than 0: it is flushed")
    return args


def measure(args, env: dict, tmp: Path, responder: Responder, green, gemini) -> dict:
    os.environ.update(env)
    os.environ["LOG_LEVEL"] = (
        "WARNING"  # this process only publishes and polls; the worker logs INFO
    )
    import django

    django.setup()
    log = tmp / "worker.log"
    say(f"bench: migrating and seeding {env['DATABASE_URL']} ...")
    manage(env, "migrate", "--noinput")
    say(f"bench: {manage(env, 'seed_demo')}")
    run_tag = f"{secrets.randbelow(16**4):04X}"
    warmup = Messages(args.warmup, run_tag, first=10**6)
    measured = Messages(args.messages, run_tag)
    split = Messages(args.breakdown, run_tag, first=args.messages)  # the same mix, next turns
    for batch in (warmup, measured, split):
        responder.readings.update(batch.readings)
    phases = (
        {}
        if args.breakdown_only
        else worker_phases(args, env, log, measured, warmup, responder, green)
    )
    if args.breakdown:
        say(f"bench: breakdown, {args.breakdown} customers in this process ...")
        phases["breakdown"] = breakdown(split, green, gemini, call_sites=args.queries)
    return phases


def worker_phases(args, env, log, measured, warmup, responder, green) -> dict:
    """The baseline, the pipeline and the baseline again, on one real worker."""
    worker = start_worker(env, log)
    try:
        say(f"bench: worker pid {worker.pid}; waiting for it to run a task ...")
        run_marker(worker, log, STARTUP_TIMEOUT)
        if args.warmup:
            say(f"bench: warm-up, {args.warmup} messages ...")
            run_pipeline(warmup, worker, log, args.timeout)
        say(f"bench: baseline, {args.noop} {NOOP_TASK} ...")
        before = run_baseline(args.noop, worker, log, args.broker_url)
        say(f"bench: pipeline, {args.messages} messages ...")
        sampler = MemorySampler(worker.pid)
        sampler.start()
        answers_before = Counter(responder.counts)
        sends_before = len(green.accepted())
        try:
            pipeline = run_pipeline(measured, worker, log, args.timeout)
        finally:
            memory = sampler.stop()
        say(f"bench: baseline again, {args.noop} {NOOP_TASK} ...")
        after = run_baseline(args.noop, worker, log, args.broker_url)
        from messaging.models import InboundMessage

        ids = list(
            InboundMessage.objects.filter(
                provider_message_id__in=[p["idMessage"] for p in measured.payloads]
            ).values_list("pk", flat=True)
        )
        phases = {
            "baseline_before": before,
            "pipeline": pipeline,
            "baseline_after": after,
            "memory": memory,
            "leads": lead_outcomes(ids),
            "gemini_answers": dict(responder.counts - answers_before),
            "green_api_sends": len(green.accepted()) - sends_before,
            "worker_log_errors": sum(
                1 for line in log.read_text(errors="replace").splitlines() if '"ERROR"' in line
            ),
        }
    finally:
        stop(worker)
    return phases


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    sys.path.insert(0, str(REPO))
    from tests.fakes.gemini import FakeGemini
    from tests.fakes.green_api import FakeGreenApi

    facts = machine("celery", "kombu", "google-genai")
    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-pipeline-"))
    responder = Responder()
    flushed = flush_broker(args.broker_url)
    if flushed:
        say(f"bench: the broker database held {flushed} keys; flushed")
    try:
        with FakeGreenApi() as green, FakeGemini() as gemini:
            gemini.responder = responder
            ai = gemini if args.ai == "gemini" else None
            env = bench_environment(
                tmp / "bench.sqlite3", args.broker_url, green, ai, args.max_pro_load
            )
            phases = measure(args, env, tmp, responder, green, ai)
    finally:
        flush_broker(args.broker_url)
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.pipeline " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": facts,
        "run": {key: getattr(args, key) for key in RUN_KEYS},
        "ai_path": (
            "fake Gemini (tests/fakes/gemini.py) through the real google-genai SDK: "
            "dispatcher and persona answers scripted per message"
            if args.ai == "gemini"
            else "offline dispatcher (no GEMINI_API_KEY), templated persona replies"
        ),
        **phases,
    }
    if not args.breakdown_only:
        result["figures"] = combine(result)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    elif args.breakdown_only:
        print(f"Pipeline benchmark, breakdown only  {result['date']}")
        print(f"  command : {result['command']}")
        print(f"  fake AI : {result['ai_path']}")
        print_breakdown(result["breakdown"])
    else:
        print_report(result)
    if phases.get("worker_log_errors"):
        say(f"bench: the worker logged {phases['worker_log_errors']} ERROR lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
