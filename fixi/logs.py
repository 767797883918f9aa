"""Log output: one JSON object a line, with phone numbers, chat ids and emails masked.

Customers reach Fixi by WhatsApp, so their chat ids (972541234567@c.us) and phone
numbers turn up in provider errors and tracebacks. The filter masks them in every record
before any formatter sees it. Names cannot be recognised by a pattern: log calls pass ids
instead of names and message text.

A line about one message carries its ids as fields of their own (FIELDS, passed with
`extra=`), so an operator can follow a message from the webhook to the worker to the
send with one filter: `message_id` is Green API's idMessage (an incoming message's at the
webhook, an outgoing one's at the send), `message_ids` those of a chat turn, and
`inbound_id`/`outbound_id` Fixi's own rows. They are ids, not personal data; a `chat`
field is masked like the message.
"""

import json
import logging
import re
from datetime import UTC, datetime

# WhatsApp ids: personal (…@c.us), groups (…@g.us, also the older 9725…-1581…@g.us form).
CHAT_ID = re.compile(r"(?<![0-9A-Za-z*])(\d[\d-]*)@(c\.us|g\.us|s\.whatsapp\.net|lid)\b")
EMAIL = re.compile(
    r"(?<![\w.+-])([\w.+-])[\w.+-]*@(?!(?:c|g)\.us\b|s\.whatsapp\.net\b)([\w-]+(?:\.[\w-]+)+)"
)
# 9–15 digits, optionally after a + and split by single spaces or dashes (054-765-4321,
# +972 54 765 4321). Not inside a longer word, id or mask (so redacting twice changes
# nothing), and not a 2026-01-31 10:00 date.
PHONE = re.compile(
    r"(?<![0-9A-Za-z*])(?<![0-9A-Za-z]-)(?!\d{4}-\d{2}-\d{2}(?!\d))"
    r"\+?\d(?:[ -]?\d){8,14}(?!-?[0-9A-Za-z])"
)


def mask_digits(text: str) -> str:
    """97254***67: the last two digits, and up to five leading ones while 5 stay hidden."""
    digits = re.sub(r"\D", "", text)
    lead = max(0, min(5, len(digits) - 7))
    return f"{digits[:lead]}***{digits[-2:]}"


def redact(text: str) -> str:
    text = EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
    text = CHAT_ID.sub(lambda m: f"{mask_digits(m[1])}@{m[2]}", text)
    return PHONE.sub(lambda m: mask_digits(m[0]), text)


# Structured fields a log call may pass with `extra=`; the JSON lines carry them as keys.
FIELDS = ("message_id", "message_ids", "inbound_id", "outbound_id", "topic", "chat")


class RedactFilter(logging.Filter):
    """Masks the record's message, exception, stack text and fields in place, for every
    handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for name in FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
            elif isinstance(value, list | tuple):
                setattr(record, name, [redact(str(item)) for item in value])
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the FIELDS a line carries and, when there is one,
    exception — one line each."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, list | tuple):
                entry[name] = [str(item) for item in value]
            elif value is not None:
                entry[name] = str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)
