"""Webhook ingest benchmark: how fast gunicorn stores Green API webhooks, next to /healthz.

    python -m bench.webhook_ingest [--seconds 10] [--concurrency 16] [--workers 2] [--json]

Starts gunicorn (sync workers, one thread each, DEBUG=0) on a free 127.0.0.1 port against
a throwaway SQLite database, then runs three phases with the same client threads:
GET /healthz (the baseline), POST /webhook with distinct Hebrew text messages, and
GET /healthz again (drift). It prints requests/s, latency percentiles, non-2xx answers and
the rows stored, and compares the webhook's rate with the baseline measured in this run.

The embedded broker's folder is fixed by the settings (var/broker/queue): the messages
this run enqueued are deleted from it afterwards, and nothing else is touched.
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

from bench.common import REPO, children, cpu_seconds, machine, manage, say, tail

BROKER_QUEUE = REPO / "var" / "broker" / "queue"  # settings.BROKER_DIR / "queue"
RATIO_GOAL = 0.5
REQUEST_TIMEOUT = 30  # seconds; gunicorn's own worker timeout is 30 s too
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a hard bound on each client's loop, whatever the rate
STARTUP_TIMEOUT = 60
RUN_KEYS = ("seconds", "warmup", "concurrency", "workers", "chats", "db_options", "broker_url")

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

    def next(self) -> bytes:
        self.count += 1
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
            "idMessage": f"{self.prefix}{self.count:08X}",
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


def start_gunicorn(env, port, workers, tmp: Path, profile_dir: Path | None):
    command = [
        *(sys.executable, "-m", "gunicorn", "fixi.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", "sync", "--threads", "1", "--log-level", "warning"),
        *("--error-logfile", str(tmp / "gunicorn.log")),  # no --access-logfile: off
    ]
    if profile_dir is not None:
        config = tmp / "profile_hooks.py"
        config.write_text(PROFILE_HOOKS.format(out=str(profile_dir)))
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


# --- Afterwards: rows, broker messages ------------------------------------------------------


def stored_ids(db_path: Path) -> set[str]:
    """The ids of every InboundMessage row in the bench database (hex, no dashes)."""
    try:
        with closing(sqlite3.connect(db_path)) as db:
            rows = db.execute("SELECT id FROM messaging_inboundmessage").fetchall()
    except sqlite3.Error:
        return set()  # the run failed before the table existed
    return {str(row[0]).replace("-", "").lower() for row in rows}


def broker_files() -> set[str]:
    return set(os.listdir(BROKER_QUEUE)) if BROKER_QUEUE.is_dir() else set()


def _task_argument(raw: bytes) -> str | None:
    """The first argument of a kombu filesystem message (the inbound id), or None."""
    try:
        message = json.loads(raw)
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        return str(args[0]).replace("-", "").lower()
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def purge_our_messages(before: set[str], ours: set[str]) -> tuple[int, int]:
    """Delete the queue files this run created; others (a developer's) stay. (removed, kept)"""
    removed = kept = 0
    for name in sorted(broker_files() - before):
        path = BROKER_QUEUE / name
        try:
            argument = _task_argument(path.read_bytes())
        except OSError:
            continue  # a worker took it meanwhile
        if argument in ours:
            path.unlink(missing_ok=True)
            removed += 1
        else:
            kept += 1
    return removed, kept


# --- Figures --------------------------------------------------------------------------------


def verdict(figures: dict) -> str:
    problems = []
    if figures["ratio"] < RATIO_GOAL:
        problems.append(f"webhook/healthz {figures['ratio']:.2f} < {RATIO_GOAL}")
    if figures["non_2xx"]:
        problems.append(f"{figures['non_2xx']} non-2xx")
    if not figures["rows_match"]:
        problems.append(f"{figures['rows']} rows != {figures['stored_200']} stored 200s")
    if problems:
        return "FAIL: " + "; ".join(problems)
    return (
        f"PASS: webhook at {figures['ratio']:.2f}x healthz (goal >= {RATIO_GOAL}), "
        f"0 non-2xx, {figures['rows']} rows = {figures['stored_200']} stored 200s"
    )


def combine(phases: dict, rows: int, purged: tuple[int, int]) -> dict:
    before, hook, after = phases["healthz_before"], phases["webhook"], phases["healthz_after"]
    baseline = (before["rps"] + after["rps"]) / 2
    stored = hook["outcomes"].get("stored", 0) + hook["warmup_stored"]
    figures = {
        "ratio": round(hook["rps"] / baseline, 3) if baseline else 0.0,
        "ratio_vs_healthz_before": round(hook["rps"] / before["rps"], 3) if before["rps"] else 0,
        "healthz_drift": round(after["rps"] / before["rps"] - 1, 3) if before["rps"] else None,
        "non_2xx": sum(phase["non_2xx"] for phase in phases.values()),
        "rows": rows,
        "stored_200": stored,
        "rows_match": rows == stored,
        "broker_messages_removed": purged[0],
        "broker_files_left_alone": purged[1],
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
    if run["db_options"] or run["broker_url"] != "filesystem://":
        print(f"  EXPERIMENT: db options {run['db_options']!r}, broker {run['broker_url']}")
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
        f"included: {figures['stored_200']})"
    )
    print(f"  broker messages purged: {figures['broker_messages_removed']}")
    print(f"  verdict               : {figures['verdict']}")


# --- Main -------------------------------------------------------------------------------------


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
        help="experiment: appended to DATABASE_URL, e.g. conn_max_age=600",
    )
    parser.add_argument(
        "--broker-url",
        default="filesystem://",
        help="experiment: e.g. memory:// to leave the broker out; messages sent to "
        "another broker are not cleaned up (default: "
        "the embedded filesystem://)",
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
    return args


def measure(args, port: int, server: subprocess.Popen, token: str) -> dict:
    chats, run_tag = chat_ids(args.chats), f"{secrets.randbelow(16**4):04X}"

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


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up on SIGTERM
    tmp = Path(tempfile.mkdtemp(prefix="fixi-bench-"))
    db_path, token, port = tmp / "bench.sqlite3", secrets.token_urlsafe(32), free_port()
    env = server_environment(db_path, token, args.db_options, args.broker_url)
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    server, queue_before, phases, facts = None, broker_files(), None, machine("gunicorn")
    try:
        say(f"bench: migrating {db_path} ...")
        manage(env, "migrate", "--noinput")
        server = start_gunicorn(env, port, args.workers, tmp, args.profile)
        wait_healthy(server, port, tmp / "gunicorn.log")
        say(f"bench: gunicorn up on 127.0.0.1:{port} (pid {server.pid})")
        phases = measure(args, port, server, token)
    finally:
        if server is not None:
            stop(server)
        ours = stored_ids(db_path)
        purged = purge_our_messages(queue_before, ours)
        log_tail = tail(tmp / "gunicorn.log", 10)
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.webhook_ingest "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": facts,
        "run": {key: getattr(args, key) for key in RUN_KEYS},
        "phases": phases,
        "figures": combine(phases, len(ours), purged),
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
