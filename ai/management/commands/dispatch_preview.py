"""`manage.py dispatch_preview [--offline] [--json | --jsonl] [TEXT]`: what the dispatcher
reads from a customer message.

- TEXT (or, without TEXT, all of standard input as one message): a human-readable table;
  with --json, one JSON object (Dispatch.as_json()).
- --jsonl: standard input holds one JSON object with a "text" key per line; each answer is
  one JSON line with the input's line number ("line"), its "id" when it had one, and the
  Dispatch fields (city, issue_type, language, urgent, ...). A bad line gets
  {"line": N, "error": "..."} and the run goes on; blank lines are skipped.
- --offline: the rules only. Without it, the full dispatcher (Gemini, falling back to the
  rules) when it is installed.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from ai.offline import dispatch as offline_dispatch
from ai.types import Dispatch

LABELS = [
    ("city", "city"),
    ("issue_type", "issue type"),
    ("urgent", "urgent"),
    ("safety_tip", "safety tip"),
    ("language", "language"),
    ("when", "when"),
    ("address", "address"),
    ("customer_name", "name"),
    ("summary", "summary"),
    ("source", "source"),
    ("notes", "notes"),
]


def read_message(text: str, offline: bool) -> Dispatch:
    if not offline:
        # ai.dispatcher (Gemini first, the rules as fallback) is written separately; until
        # it lands, the offline rules answer. Looked up at call time so this command works
        # before and after. Only its own absence is forgiven, not a broken import inside it.
        try:
            from ai.dispatcher import dispatch
        except ModuleNotFoundError as error:
            if error.name != "ai.dispatcher":
                raise
        else:
            return dispatch(text)
    return offline_dispatch(text)


class Command(BaseCommand):
    help = "Show what the dispatcher reads from a customer message (or JSON lines on stdin)."
    stealth_options = ("stdin",)
    requires_system_checks = []  # a reading tool: the settings warnings would only add noise

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="?", help="the message; default: standard input")
        parser.add_argument("--offline", action="store_true", help="use the rules only")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="one JSON object")
        output.add_argument(
            "--jsonl", action="store_true", help='JSON lines with a "text" key in, JSON lines out'
        )

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        if options["jsonl"]:
            if options["text"] is not None:
                raise CommandError("--jsonl reads its messages from standard input; drop TEXT")
            self._jsonl(stdin, options["offline"])
            return
        text = options["text"] if options["text"] is not None else stdin.read()
        if not text.strip():
            raise CommandError("Give the message as TEXT or on standard input, or use --jsonl.")
        reading = read_message(text, options["offline"])
        if options["json"]:
            self.stdout.write(json.dumps(reading.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(human(reading))

    def _jsonl(self, stdin, offline: bool) -> None:
        answered = failed = 0
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            answer = self._answer(number, line, offline)
            failed += "error" in answer
            answered += 1
            self.stdout.write(json.dumps(answer, ensure_ascii=False))
            self.stdout.flush()
        self.stderr.write(f"{answered} lines read, {failed} with errors")

    def _answer(self, number: int, line: str, offline: bool) -> dict:
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            return {"line": number, "error": f"not JSON: {error.msg}"}
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            return {"line": number, "error": 'expected a JSON object with a string "text"'}
        answer = {"line": number}
        if "id" in message:
            answer["id"] = message["id"]
        answer.update(read_message(message["text"], offline).as_json())
        return answer


def human(reading: Dispatch) -> str:
    values = {
        "city": f"{reading.city} ({reading.city_name})" if reading.city else "",
        "urgent": f"yes: {reading.urgency_reason}" if reading.urgent else "no",
        "when": when(reading),
        "notes": "; ".join(reading.notes),
    }
    width = max(len(label) for _, label in LABELS) + 2
    lines = []
    for key, label in LABELS:
        value = values[key] if key in values else getattr(reading, key)
        lines.append(f"{label:<{width}}{value or '—'}")
    return "\n".join(lines)


def when(reading: Dispatch) -> str:
    if reading.requested_time:
        text = reading.requested_time.strftime("%Y-%m-%d %H:%M")
    elif reading.requested_date:
        text = reading.requested_date.isoformat()
    else:
        return reading.time_of_day
    return f"{text} ({reading.time_of_day})" if reading.time_of_day else text
