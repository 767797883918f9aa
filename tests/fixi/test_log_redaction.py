"""Logs carry ids, never a customer's name, phone number or words."""

import io
import json
import logging
import re
import sys

import pytest

from fixi.logs import JsonFormatter, RedactFilter, redact
from leads.conversation import process_inbound
from messaging import inbox, outbox
from messaging.models import OutboundMessage
from tests.fakes.green_api import error_body
from tests.messaging import shapes

NAME = "Zebulon Canarywood"
CHAT_ID = "972547654321@c.us"
PHONE_FORMS = ("972547654321", "0547654321", "547654321", "054-765-4321", "765-4321", "7654321")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chat 972547654321@c.us", "chat 97254***21@c.us"),
        ("group 120363043968066561@g.us", "group 12036***61@g.us"),
        ("call 054-765-4321 now", "call 054***21 now"),
        ("call +972 54-765-4321", "call 97254***21"),
        ("call 054 765 4321.", "call 054***21."),
        ("mail dana.levi+fixi@example.co.il", "mail d***@example.co.il"),
        # Left alone: dates, uuids, provider message ids, short numbers.
        ("at 2026-01-31 10:00:00", "at 2026-01-31 10:00:00"),
        ("lead 3f2a9c10-1234-4abc-9def-123456789012", "lead 3f2a9c10-1234-4abc-9def-123456789012"),
        ("message BAE5F40000000001", "message BAE5F40000000001"),
        ("took 1234 ms, 3 attempts", "took 1234 ms, 3 attempts"),
    ],
)
def test_redaction_patterns(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # a record that passes two handlers is masked once


def test_a_masked_line_still_says_which_chat_it_was():
    masked = redact("to 972547654321@c.us")
    assert masked != redact("to 972501112233@c.us")


def _format(record: logging.LogRecord) -> dict:
    RedactFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_arguments_and_tracebacks_are_redacted():
    try:
        raise ValueError(f"chatId {CHAT_ID} is invalid")
    except ValueError:
        record = logging.getLogger("messaging.outbox").makeRecord(
            "messaging.outbox",
            logging.ERROR,
            __file__,
            1,
            "send to %s failed",
            ("0547654321",),
            exc_info=sys.exc_info(),
        )

    entry = _format(record)

    assert entry["message"] == "send to 054***21 failed"
    assert entry["level"] == "ERROR" and entry["logger"] == "messaging.outbox"
    assert "ValueError: chatId 97254***21@c.us is invalid" in entry["exception"]
    assert "547654321" not in json.dumps(entry)


@pytest.fixture
def captured_logs():
    """Everything logged, through the console handler's formatter and filters."""
    root = logging.getLogger()
    (console,) = [h for h in root.handlers if any(isinstance(f, RedactFilter) for f in h.filters)]
    assert isinstance(console.formatter, JsonFormatter)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for redaction in console.filters:
        handler.addFilter(redaction)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _from_canary(payload: dict) -> dict:
    payload["senderData"].update(chatName=NAME, senderName=NAME, senderContactName=NAME)
    return payload


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(_from_canary(payload)).inbound_id)


@pytest.mark.django_db
def test_a_canary_customer_never_reaches_the_logs(captured_logs, fake_green_api, settings):
    # Given a customer who writes their name and number, then sends a photo that cannot
    # be downloaded, and whose chat the provider refuses to deliver to
    settings.GREEN_API_WEBHOOK_TOKEN = "t"
    deliver(
        shapes.text(
            f"Hi, {NAME} here, 054-765-4321. Sink leaking at 12 Herzl St, Haifa",
            chat_id=CHAT_ID,
        )
    )
    photo = shapes.image(chat_id=CHAT_ID)
    photo["messageData"]["fileMessageData"]["caption"] = f"{NAME}'s sink"
    photo["messageData"]["fileMessageData"]["downloadUrl"] = fake_green_api.add_incoming_file(
        photo["idMessage"], "sink.jpg", b"\xff\xd8\xff\xe0" * 50, "image/jpeg"
    )
    fake_green_api.fail_next("media", 404)
    deliver(photo)
    refusal = error_body(400, f"chatId {CHAT_ID} is not on WhatsApp")
    fake_green_api.fail_next("sendMessage", 400, times=10, body=refusal)

    # When the replies are sent
    results = [outbox.send(row.pk).result for row in OutboundMessage.objects.order_by("created_at")]

    # Then the logs tell the story by ids and masks only
    assert "failed" in results
    log = captured_logs.getvalue()
    entries = [json.loads(line) for line in log.splitlines()]
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    messages = " ".join(e["message"] for e in entries)
    assert "not fetched: 404" in messages and "97254***21@c.us" in messages
    for secret in (NAME, "Zebulon", "Canarywood", "Herzl", "Sink leaking"):
        assert secret not in log
    squeezed = re.sub(r"[\s-]", "", log)
    for form in PHONE_FORMS:
        assert form not in log and form.replace("-", "") not in squeezed
