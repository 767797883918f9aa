"""Webhook ingest benchmark: how fast gunicorn stores Green API webhooks, next to /healthz.

    python -m bench.webhook_ingest [--seconds 10] [--concurrency 16] [--workers 2] [--json]
        [--broker-url filesystem:// | redis://127.0.0.1:6379/N] [--latency-requests 200]
        [--latency-seconds 5]

Starts gunicorn (sync workers, one thread each, DEBUG=0) on a free 127.0.0.1 port against
a throwaway SQLite database, then runs three phases with the same client threads:
GET /healthz (the baseline), POST /webhook with distinct Hebrew text messages, and
GET /healthz again (drift). It prints requests/s, latency percentiles, non-2xx answers and
the rows stored, and compares the webhook's rate with the baseline measured in this run.

Then the enqueue latency: a consumer process takes the task messages off the broker as a
worker would, and for each webhook the time from sending it to its message being in the
consumer's hands is measured, once with one client sending one webhook at a time (an
idle server) and once with every client sending back to back (a saturated one). Last, the
broker's messages are counted against the rows: every stored row must have been published
once, including what the web processes still had to send when gunicorn was stopped.

The embedded broker writes to a folder of the run's own under var/ (set in each gunicorn
worker by a server hook), removed afterwards: a developer's queue and worker are never
touched. A Redis broker must name a database other than 0, whose `celery` queue the run
empties before it starts and reads to the end afterwards.
"""

import argparse
import base64
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import REPO, children, cpu_seconds, machine, manage, say, tail

RATIO_GOAL = 0.5
REQUEST_TIMEOUT = 30  # seconds; gunicorn's own worker timeout is 30 s too
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a hard bound on each client's loop, whatever the rate
STARTUP_TIMEOUT = 60
RUN_KEYS = (
    "seconds",
    "warmup",
    "concurrency",
    "workers",
    "chats",
    "db_options",
    "broker_url",
    "latency_requests",
    "latency_seconds",
)
CONSUMER_POLL_SECONDS = 0.005  # how often the consumer looks at the embedded broker's folder
LATENCY_PAUSE_SECONDS = 0.01  # between webhooks of the one-at-a-time latency phase

FIRST_NAMES = ["דנה", "יוסי", "מיכל", "אבי", "נועה", "רונית", "משה", "שירה", "עומר", "תמר"]
LAST_NAMES = ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם", "פרידמן", "שפירא", "דהן"]
CITIES = ["תל אביב", "רמת גן", "חיפה", "ירושלים", "באר שבע", "ראשון לציון", "נתניה"]
REQUESTS = [
    "שלום, יש לי נזילה מתחת לכיור במטבח, אפשר שמישהו יגיע היום?",
    "המזגן בסלון מטפטף מים ולא מקרר, צריך טכנאי מזגנים",
    "נשרף לי הפיוז בלוח החשמל וחצי בית בלי חשמל",
    "ננעלתי מחוץ לדירה, המפתח נשאר בפנים. דחוף!",
    "צריך להרכיב ארון ומדפים בחדר הילדים, כמה זה עולה?",
    "מכונת הכביסה לא מסחררת ומשאירה מים בתוף",
    "יש רטיבות בתקרה של חדר האמבטיה אחרי הגשם",
    "הדוד החשמלי לא מחמם מים כבר יומיים",
    "אפשר הצעת מחיר להחלפת ברז במקלחת?",
    "המקרר מרעיש ולא מקרר כמו שצריך",
]
WHEN = ["היום אחרי הצהריים", "מחר בבוקר", "בהקדם", "ביום ראשון", "הערב אם אפשר"]


@dataclass
class Tally:
    """What one client thread saw in one phase (warm-up requests counted apart)."""

    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    warmup_outcomes: Counter = field(default_factory=Counter)
    warmup_requests: int = 0
    connections_opened: int = 0
    last_finish: float = 0.0


@dataclass
class Window:
    warm_end: float
    end: float


# --- Webhook bodies -----------------------------------------------------------------------


def chat_ids(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    numbers = {f"9725{rng.randrange(10**8):08d}" for _ in range(count * 2)}
    return [f"{number}@c.us" for number in sorted(numbers)[:count]]


class WebhookBodies:
    """Distinct incomingMessageReceived text webhooks, as Green API sends them."""

    def __init__(self, chats: list[str], run_tag: str, client: int):
        self.chats = chats
        self.prefix = f"BAE5{run_tag}{client:02X}"
        self.rng = random.Random(client)
        self.count = 0
        self.last_id = ""

    def next(self) -> bytes:
        self.count += 1
        self.last_id = f"{self.prefix}{self.count:08X}"
        chat = self.rng.choice(self.chats)
        name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
        text = (
            f"{self.rng.choice(REQUESTS)} אני ב{self.rng.choice(CITIES)}, {self.rng.choice(WHEN)}"
        )
        payload = {
            "typeWebhook": "incomingMessageReceived",
            "instanceData": {
                "idInstance": 7105123456,
                "wid": "972533000000@c.us",
                "typeInstance": "whatsapp",
            },
            "timestamp": int(time.time()),
            "idMessage": self.last_id,
            "senderData": {
                "chatId": chat,
                "chatName": name,
                "sender": chat,
                "senderName": name,
                "senderContactName": "",
            },
            "messageData": {
                "typeMessage": "textMessage",
                "textMessageData": {"textMessage": text},
            },
        }
        return json.dumps(payload, ensure_ascii=False).encode()


# --- The load generator -------------------------------------------------------------------


def get_healthz(conn: http.client.HTTPConnection) -> tuple[int, str]:
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    response.read()
    return response.status, ""


def poster(bodies: WebhookBodies, token: str):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post_webhook(conn: http.client.HTTPConnection) -> tuple[int, str]:
        conn.request("POST", "/webhook", bodies.next(), headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            return response.status, ""
        return response.status, json.loads(data).get("status", "")

    return post_webhook


def run_client(port: int, send, window: Window, tally: Tally) -> None:
    """Requests back to back until the window closes; a reconnect after each close."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        started = time.perf_counter()
        if started >= window.end:
            break
        tally.connections_opened += conn.sock is None
        try:
            status, outcome = send(conn)
        except (OSError, http.client.HTTPException, ValueError) as error:
            conn.close()
            status, outcome = 0, type(error).__name__
        finished = time.perf_counter()
        if started < window.warm_end:
            tally.warmup_requests += 1
            tally.warmup_outcomes[outcome] += 1
            continue
        tally.latencies.append(finished - started)
        tally.statuses[status] += 1
        tally.outcomes[outcome] += 1
        tally.last_finish = finished
    conn.close()


def server_cpu_seconds(master: int) -> float | None:
    """User + system CPU of gunicorn's master and workers (Linux /proc), None elsewhere."""
    if not Path("/proc/self/stat").exists():
        return None
    return cpu_seconds([master, *children(master)])


def run_phase(port, master, make_send, concurrency, seconds, warmup) -> dict:
    start = time.perf_counter()
    window = Window(warm_end=start + warmup, end=start + warmup + seconds)
    tallies = [Tally() for _ in range(concurrency)]
    threads = [
        threading.Thread(target=run_client, args=(port, make_send(i), window, tally), daemon=True)
        for i, tally in enumerate(tallies)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window.warm_end - time.perf_counter()))
    cpu_before = (time.process_time(), server_cpu_seconds(master))
    time.sleep(max(0.0, window.end - time.perf_counter()))
    for thread in threads:
        thread.join()
    cpu_after = (time.process_time(), server_cpu_seconds(master))
    return summarise(tallies, window, cpu_before, cpu_after)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def summarise(tallies, window, cpu_before, cpu_after) -> dict:
    latencies = sorted(x for tally in tallies for x in tally.latencies)
    statuses = sum((tally.statuses for tally in tallies), Counter())
    outcomes = sum((tally.outcomes for tally in tallies), Counter())
    count = len(latencies)
    elapsed = max([tally.last_finish for tally in tallies] + [window.end]) - window.warm_end
    server_cpu = None
    if cpu_before[1] is not None and cpu_after[1] is not None and count:
        server_cpu = round((cpu_after[1] - cpu_before[1]) / count * 1000, 3)
    return {
        "requests": count,
        "seconds": round(elapsed, 2),
        "rps": round(count / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "non_2xx": sum(n for code, n in statuses.items() if not 200 <= code < 300),
        "outcomes": {k: n for k, n in sorted(outcomes.items()) if k},
        "warmup_requests": sum(tally.warmup_requests for tally in tallies),
        "warmup_stored": sum(tally.warmup_outcomes["stored"] for tally in tallies),
        "connections_opened": sum(tally.connections_opened for tally in tallies),
        "server_cpu_ms_per_request": server_cpu,
        "client_cpu_ms_per_request": round((cpu_after[0] - cpu_before[0]) / count * 1000, 3)
        if count
        else None,
    }


# --- The server under test ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(db_path: Path, token: str, db_options: str, broker_url: str) -> dict:
    env = dict(os.environ)
    for name in ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="fixi.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        DATABASE_URL=f"sqlite:///{db_path}" + (f"?{db_options}" if db_options else ""),
        GREEN_API_WEBHOOK_TOKEN=token,
        # The default (filesystem://), said out loud so a .env cannot point the run at Redis.
        CELERY_BROKER_URL=broker_url,
    )
    return env


PROFILE_HOOKS = """
import cProfile, os
_profile = cProfile.Profile()
def pre_request(worker, req):
    if req.path == "/webhook":
        _profile.enable()
def post_request(worker, req, environ, resp):
    _profile.disable()
def worker_exit(server, worker):
    _profile.dump_stats(os.path.join({out!r}, f"worker-{{os.getpid()}}.prof"))
"""

# The settings fix the embedded broker's folder (var/broker/queue); each worker of the run
# is pointed at the run's own before its first request.
BROKER_HOOK = """
def post_worker_init(worker):
    from fixi.celery import app
    app.conf.broker_transport_options = {options!r}
"""


def start_gunicorn(env, port, workers, tmp: Path, broker: "Broker", profile_dir: Path | None):
    command = [
        *(sys.executable, "-m", "gunicorn", "fixi.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "sync", "--threads", "1", "--log-level", "warning"),
        *("--error-logfile", str(tmp / "gunicorn.log")),  # no --access-logfile: off
    ]
    hooks = ""
    if broker.folder is not None:
        hooks += BROKER_HOOK.format(options=broker.transport_options())
    if profile_dir is not None:
        hooks += PROFILE_HOOKS.format(out=str(profile_dir))
    if hooks:
        config = tmp / "server_hooks.py"
        config.write_text(hooks)
        command += ["--config", str(config)]
    return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)


def wait_healthy(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if get_healthz(conn)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"/healthz did not answer within {STARTUP_TIMEOUT} s:\n{tail(log)}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


# --- The broker: the run's messages, read back -------------------------------------------------

# A consumer in its own process, as a worker would be: it takes each task message off the
# `celery` queue and prints the inbound id with the (system-wide) monotonic time it got it.
# "drain" mode stops at the first empty wait; "follow" mode at the first one after SIGTERM.
# The embedded broker's folder is read directly: kombu's own consumer moves a file away
# without waiting for the writer's lock, so polling it every few ms reads files still empty
# (and loses them); here a file that does not parse yet is left for the next look.
CONSUMER = """
import base64, fcntl, json, os, signal, sys, time
url, options, mode = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

def folder_messages(folder, poll):
    while True:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".celery.msg"))
        taken = 0
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as f:
                    fcntl.flock(f, fcntl.LOCK_SH)
                    message = json.loads(f.read())
            except (OSError, ValueError):
                continue
            os.remove(path)
            taken += 1
            yield json.loads(base64.b64decode(message["body"]))
        if not taken:
            yield None
            time.sleep(poll)

def kombu_messages(url, options):
    from kombu import Connection
    with Connection(url, transport_options=options) as connection:
        queue = connection.SimpleQueue("celery", no_ack=True)
        while True:
            try:
                yield queue.get(block=True, timeout=0.5).payload
            except queue.Empty:
                yield None

if url.startswith("filesystem://"):
    messages = folder_messages(options["data_folder_in"], options["polling_interval"])
else:
    messages = kombu_messages(url, options)
print("ready", flush=True)
idle_since = None
for body in messages:
    if body is not None:
        idle_since = None
        args = body[0] if isinstance(body, list) and body else None
        print(args[0] if args else "-", time.monotonic(), flush=True)
        continue
    idle_since = idle_since or time.monotonic()
    if (stopping or mode == "drain") and time.monotonic() - idle_since >= 0.5:
        break
"""


class Broker:
    """Where the run's task messages go, and how the bench reads them back."""

    def __init__(self, url: str, tag: str):
        self.url = url
        self.folder = None
        if url.startswith("filesystem://"):
            self.folder = REPO / "var" / f"bench-broker-{tag}"  # the disk var/broker is on
            self.folder.mkdir(parents=True)

    @property
    def readable(self) -> bool:
        return self.folder is not None or self.url.startswith(("redis://", "rediss://"))

    def transport_options(self) -> dict:
        if self.folder is None:
            return {}
        folder = str(self.folder)
        return {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": folder,
            "store_processed": False,
        }

    def consumer(self) -> "Consumer":
        options = {**self.transport_options(), "polling_interval": CONSUMER_POLL_SECONDS}
        if self.folder is None:
            options = {}
        return Consumer(self.url, options)

    def drain(self) -> list[str]:
        """Every task message waiting on the queue, taken off it: their inbound ids."""
        if not self.readable:
            return []
        if self.folder is not None:
            return self._drain_folder()
        options = json.dumps(self.transport_options())
        done = subprocess.run(
            [sys.executable, "-c", CONSUMER, self.url, options, "drain"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return [line.split()[0] for line in done.stdout.splitlines()[1:]]

    def _drain_folder(self) -> list[str]:
        # Once the web processes are idle: every file is whole.
        ids = []
        for path in sorted(self.folder.glob("*.msg")):
            ids.append(_task_argument(path.read_bytes()))
            path.unlink()
        return ids

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


class Consumer:
    """The consumer process, its lines read as they come (a full pipe would stall it)."""

    def __init__(self, url: str, options: dict):
        self.child = subprocess.Popen(
            [sys.executable, "-c", CONSUMER, url, json.dumps(options), "follow"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        if self.child.stdout.readline().strip() != "ready":
            self.child.kill()
            raise RuntimeError("the broker consumer did not start")
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.child.stdout:
            self.lines.append(line)

    def stop(self) -> list[tuple[str, float]]:
        """Stop once the queue is empty: [(inbound id, monotonic time received)]."""
        self.child.send_signal(signal.SIGTERM)
        self.child.wait(timeout=60)
        self.reader.join(timeout=10)
        received = []
        for line in self.lines:
            inbound_id, _, at = line.strip().partition(" ")
            received.append((_hex(inbound_id), float(at)))
        return received


def _hex(inbound_id: str | None) -> str:
    return str(inbound_id).replace("-", "").lower()


def _task_argument(raw: bytes) -> str | None:
    """The first argument of a kombu filesystem message (the inbound id), or None."""
    try:
        message = json.loads(raw)
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        return str(json.loads(body)[0][0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def published_check(rows: set[str], published: list[str]) -> dict:
    """Every stored row published exactly once?"""
    counts = Counter(_hex(inbound_id) for inbound_id in published)
    return {
        "messages": sum(counts.values()),
        "rows": len(rows),
        "missing": len(rows - set(counts)),
        "duplicated": sum(1 for row in rows if counts[row] > 1),
        "unknown": sum(1 for inbound_id in counts if inbound_id not in rows),
    }


# --- Enqueue latency --------------------------------------------------------------------------


def latency_client(port, bodies, token, log, until, count, pause) -> None:
    """Webhooks one after another; each logged as (idMessage, sent, answered, status)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    for _ in range(min(count, MAX_REQUESTS_PER_CLIENT)):
        if time.monotonic() >= until:
            break
        body = bodies.next()
        sent = time.monotonic()
        try:
            conn.request("POST", "/webhook", body, headers)
            response = conn.getresponse()
            data = response.read()
            outcome = json.loads(data).get("status", "") if response.status == 200 else ""
            outcome = outcome or f"HTTP {response.status}"
        except (OSError, http.client.HTTPException, ValueError) as error:
            conn.close()
            outcome = type(error).__name__
        log.append((bodies.last_id, sent, time.monotonic(), outcome))
        if pause:
            time.sleep(pause)
    conn.close()


def run_latency(port, token, chats, run_tag, clients, seconds, count, pause, first) -> list:
    """`clients` threads from client number `first` on (each number its own idMessages)."""
    log, until = [], time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=latency_client,
            args=(port, WebhookBodies(chats, run_tag, first + i), token, log, until, count, pause),
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return log


def latency_figures(log: list, rows_by_message: dict, received: dict) -> dict:
    """From sending a webhook to its task message in the consumer's hands (ms)."""
    to_queue, after_answer, lost = [], [], 0
    for id_message, sent, answered, outcome in log:
        if outcome != "stored":
            continue
        at = received.get(rows_by_message.get(id_message, ""))
        if at is None:
            lost += 1
            continue
        to_queue.append(at - sent)
        after_answer.append(at - answered)
    to_queue.sort()
    after_answer.sort()

    def ms(values, fraction):
        return round(percentile(values, fraction) * 1000, 2) if values else None

    return {
        "webhooks": len(log),
        "outcomes": dict(Counter(outcome for *_, outcome in log)),
        "stored": len(to_queue) + lost,
        "not_received": lost,
        "sent_to_queue_p50_ms": ms(to_queue, 0.5),
        "sent_to_queue_p99_ms": ms(to_queue, 0.99),
        "sent_to_queue_max_ms": ms(to_queue, 1.0),
        "answer_to_queue_p50_ms": ms(after_answer, 0.5),
        "answer_to_queue_p99_ms": ms(after_answer, 0.99),
        "answer_to_queue_max_ms": ms(after_answer, 1.0),
    }


# --- Afterwards: rows -------------------------------------------------------------------------


def stored_rows(db_path: Path) -> dict[str, str]:
    """{idMessage: inbound id (hex, no dashes)} of every row in the bench database."""
    try:
        with closing(sqlite3.connect(db_path)) as db:
            rows = db.execute(
                "SELECT provider_message_id, id FROM messaging_inboundmessage"
            ).fetchall()
    except sqlite3.Error:
        return {}  # the run failed before the table existed
    return {message: _hex(pk) for message, pk in rows}


# --- Figures --------------------------------------------------------------------------------


def verdict(figures: dict) -> str:
    problems = []
    if figures["ratio"] < RATIO_GOAL:
        problems.append(f"webhook/healthz {figures['ratio']:.2f} < {RATIO_GOAL}")
    if figures["non_2xx"]:
        problems.append(f"{figures['non_2xx']} non-2xx")
    if not figures["rows_match"]:
        problems.append(f"{figures['rows']} rows != {figures['stored_200']} stored 200s")
    check = figures["published"]
    if check and (check["missing"] or check["duplicated"]):
        problems.append(
            f"{check['missing']} rows never published, {check['duplicated']} published twice"
        )
    if problems:
        return "FAIL: " + "; ".join(problems)
    return (
        f"PASS: webhook at {figures['ratio']:.2f}x healthz (goal >= {RATIO_GOAL}), "
        f"0 non-2xx, {figures['rows']} rows = {figures['stored_200']} stored 200s"
    )


def combine(phases: dict, rows: int, stored_in_latency: int, published: dict | None) -> dict:
    before, hook, after = phases["healthz_before"], phases["webhook"], phases["healthz_after"]
    baseline = (before["rps"] + after["rps"]) / 2
    stored = hook["outcomes"].get("stored", 0) + hook["warmup_stored"] + stored_in_latency
    figures = {
        "ratio": round(hook["rps"] / baseline, 3) if baseline else 0.0,
        "ratio_vs_healthz_before": round(hook["rps"] / before["rps"], 3) if before["rps"] else 0,
        "healthz_drift": round(after["rps"] / before["rps"] - 1, 3) if before["rps"] else None,
        "non_2xx": sum(phase["non_2xx"] for phase in phases.values()),
        "rows": rows,
        "stored_200": stored,
        "rows_match": rows == stored,
        "published": published,
    }
    figures["verdict"] = verdict(figures)
    return figures


def print_report(result: dict) -> None:
    machine_facts, run = result["machine"], result["run"]
    print(f"Webhook ingest benchmark  {result['date']}")
    print(f"  command : {result['command']}")
    print(
        f"  machine : nproc={machine_facts['nproc']}  Python {machine_facts['python']}  "
        f"Django {machine_facts['django']}  gunicorn {machine_facts['gunicorn']}  "
        f"SQLite {machine_facts['sqlite']}  ({machine_facts['cpu']})"
    )
    print(
        f"  load    : {run['concurrency']} clients x {run['seconds']} s per phase "
        f"(+{run['warmup']} s warm-up), {run['workers']} sync workers x 1 thread; "
        f"load average before: {machine_facts['loadavg_1m_at_start']}"
    )
    print(f"  broker  : {run['broker_url']}")
    if run["db_options"]:
        print(f"  EXPERIMENT: db options {run['db_options']!r}")
    print()
    print(
        f"  {'phase':<15}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'requests':>10}"
        f"{'CPU ms/req: server':>20}{'client':>8}"
    )
    for name, phase in result["phases"].items():
        server_cpu = phase["server_cpu_ms_per_request"]
        print(
            f"  {name:<15}{phase['rps']:>9.1f}{phase['p50_ms']:>9.2f}{phase['p99_ms']:>9.2f}"
            f"{phase['non_2xx']:>9}{phase['requests']:>10}"
            f"{'n/a' if server_cpu is None else server_cpu:>20}"
            f"{phase['client_cpu_ms_per_request']:>8}"
        )
    phases = result["phases"].values()
    opened = sum(phase["connections_opened"] for phase in phases)
    sent = sum(phase["requests"] + phase["warmup_requests"] for phase in phases)
    figures = result["figures"]
    drift = figures["healthz_drift"]
    print()
    print(
        f"  webhook/healthz ratio : {figures['ratio']:.3f}  (goal >= {RATIO_GOAL}; baseline = "
        f"mean of both healthz phases; vs the first alone {figures['ratio_vs_healthz_before']})"
    )
    print(f"  healthz drift         : {'n/a' if drift is None else f'{drift:+.1%}'}")
    print(
        f"  connections opened    : {opened} for {sent} requests (the sync worker closes "
        "every connection, so keep-alive is never reused)"
    )
    print(f"  non-2xx               : {figures['non_2xx']}  (goal 0)")
    print(
        f"  rows stored           : {figures['rows']}  (200s with outcome stored, warm-up "
        f"and latency phases included: {figures['stored_200']})"
    )
    check = figures["published"]
    if check:
        print(
            f"  published once each   : {check['messages']} task messages for {check['rows']} "
            f"rows; {check['missing']} rows never published, {check['duplicated']} published "
            f"twice, {check['unknown']} messages of no row"
        )
    else:
        print("  published once each   : n/a (this broker cannot be read back)")
    latency = result["latency"]
    if latency:
        print()
        print(
            "  enqueue latency, ms (webhook sent -> its task message in a consumer's hands; "
            f"the consumer polls the embedded broker every {CONSUMER_POLL_SECONDS * 1000:g} ms)"
        )
        print(
            f"  {'phase':<26}{'webhooks':>9}{'lost':>6}{'sent->queue p50':>17}{'p99':>8}"
            f"{'max':>9}{'answer->queue p50':>19}{'p99':>8}{'max':>9}"
        )
        for name, lat in latency.items():
            print(
                f"  {name:<26}{lat['webhooks']:>9}{lat['not_received']:>6}"
                f"{_ms(lat['sent_to_queue_p50_ms']):>17}{_ms(lat['sent_to_queue_p99_ms']):>8}"
                f"{_ms(lat['sent_to_queue_max_ms']):>9}{_ms(lat['answer_to_queue_p50_ms']):>19}"
                f"{_ms(lat['answer_to_queue_p99_ms']):>8}{_ms(lat['answer_to_queue_max_ms']):>9}"
            )
        print("  (answer->queue below 0: the message was on the broker before the 200 arrived)")
    print(f"  verdict               : {figures['verdict']}")


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


# --- Main -------------------------------------------------------------------------------------


def _redis_database(url: str) -> int | None:
    if not url.startswith(("redis://", "rediss://")):
        return None
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase (default 10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="per phase, not counted")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--chats", type=int, default=300, help="distinct chat ids")
    parser.add_argument(
        "--db-options",
        default="",
        metavar="QUERY",
        help="experiment: appended to DATABASE_URL, e.g. conn_max_age=0",
    )
    parser.add_argument(
        "--broker-url",
        default="filesystem://",
        help="filesystem:// (the embedded broker, default), redis://HOST:PORT/N with N > 0 "
        "(the run empties that database's celery queue), or memory:// to leave the "
        "broker out (no latency phases, no published check)",
    )
    parser.add_argument(
        "--latency-requests",
        type=int,
        default=200,
        help="webhooks sent one at a time for the idle enqueue latency (0: skip)",
    )
    parser.add_argument(
        "--latency-seconds",
        type=float,
        default=5.0,
        help="seconds of back-to-back webhooks for the saturated enqueue latency (0: skip)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="cProfile each worker's /webhook requests into DIR/*.prof",
    )
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 60):
        parser.error("--seconds must be in (0, 600] and --warmup in [0, 60]")
    if not (1 <= args.concurrency <= 256 and 1 <= args.workers <= 32 and args.chats >= 1):
        parser.error("--concurrency 1..256, --workers 1..32, --chats >= 1")
    if not (0 <= args.latency_requests <= 10_000 and 0 <= args.latency_seconds <= 600):
        parser.error("--latency-requests 0..10000, --latency-seconds 0..600")
    if _redis_database(args.broker_url) == 0:
        parser.error("a Redis broker must name a database other than 0, which the run empties")
    return args


def measure(args, port: int, server: subprocess.Popen, token: str, chats, run_tag) -> dict:
    def phase(label, make_send):
        say(f"bench: {label} for {args.seconds} s ...")
        return run_phase(port, server.pid, make_send, args.concurrency, args.seconds, args.warmup)

    return {
        "healthz_before": phase("GET /healthz", lambda i: get_healthz),
        "webhook": phase(
            "POST /webhook", lambda i: poster(WebhookBodies(chats, run_tag, i), token)
        ),
        "healthz_after": phase("GET /healthz", lambda i: get_healthz),
    }


def measure_latency(args, port: int, token: str, chats, run_tag) -> dict[str, list]:
    logs = {}
    if args.latency_requests:
        say(f"bench: enqueue latency, {args.latency_requests} webhooks one at a time ...")
        logs["one at a time"] = run_latency(
            port, token, chats, run_tag, 1, 600, args.latency_requests, LATENCY_PAUSE_SECONDS, 0x80
        )
    if args.latency_seconds:
        say(f"bench: enqueue latency, {args.concurrency} clients for {args.latency_seconds} s ...")
        logs[f"{args.concurrency} clients back to back"] = run_latency(
            port, token, chats, run_tag, args.concurrency, args.latency_seconds, 10**9, 0, 0x100
        )
    return logs


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-"))
    db_path, token, port = tmp / "bench.sqlite3", secrets.token_urlsafe(32), free_port()
    env = server_environment(db_path, token, args.db_options, args.broker_url)
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    chats, run_tag = chat_ids(args.chats), f"{secrets.randbelow(16**4):04X}"
    broker = Broker(args.broker_url, f"{os.getpid()}-{run_tag}")
    server, consumer, phases, logs, facts = None, None, None, {}, machine("gunicorn")
    published, received = [], []
    try:
        say(f"bench: migrating {db_path} ...")
        manage(env, "migrate", "--noinput")
        broker.drain()  # a Redis database's queue starts empty
        server = start_gunicorn(env, port, args.workers, tmp, broker, args.profile)
        wait_healthy(server, port, tmp / "gunicorn.log")
        say(f"bench: gunicorn up on 127.0.0.1:{port} (pid {server.pid})")
        phases = measure(args, port, server, token, chats, run_tag)
        if broker.readable and (args.latency_requests or args.latency_seconds):
            time.sleep(1)  # what the web processes still had to publish
            published += broker.drain()
            consumer = broker.consumer()
            logs = measure_latency(args, port, token, chats, run_tag)
    finally:
        if server is not None:
            stop(server)  # the workers publish what they still hold as they exit
        if consumer is not None:
            received = consumer.stop()
        published += [inbound_id for inbound_id, _ in received] + broker.drain()
        broker.remove()
        rows = stored_rows(db_path)
        log_tail = tail(tmp / "gunicorn.log", 10)
        shutil.rmtree(tmp, ignore_errors=True)
    first_seen = {}
    for inbound_id, at in received:
        first_seen.setdefault(inbound_id, at)
    latency = {name: latency_figures(log, rows, first_seen) for name, log in logs.items()}
    in_latency = sum(1 for log in logs.values() for entry in log if entry[3] == "stored")
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.webhook_ingest "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": facts,
        "run": {key: getattr(args, key) for key in RUN_KEYS},
        "phases": phases,
        "latency": latency,
        "figures": combine(
            phases,
            len(rows),
            in_latency,
            published_check(set(rows.values()), published) if broker.readable else None,
        ),
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    if log_tail.strip():
        say(f"bench: gunicorn's error log ended with:\n{log_tail}")
    if args.profile:
        say(f"bench: profiles in {args.profile} (python -m pstats {args.profile}/worker-*.prof)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
