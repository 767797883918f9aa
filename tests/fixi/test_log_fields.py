"""A message can be followed through the logs: the webhook's line, the worker's turn and
the send each carry Green API's idMessage as a field of its own, and chat ids stay
masked."""

import io
import json
import logging

import pytest

from fixi.logs import JsonFormatter, RedactFilter
from leads.conversation import process_inbound
from messaging import outbox
from messaging.models import InboundMessage, OutboundMessage
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
CHAT_ID = "972547654321@c.us"


@pytest.fixture
def json_lines():
    """Every line logged meanwhile, as the console handler writes it (redacted JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def post(client, payload):
    return client.post("/webhook", data=json.dumps(payload), content_type="application/json")


def test_the_webhook_line_carries_the_incoming_message_id(client, json_lines):
    payload = shapes.text(chat_id=CHAT_ID)

    post(client, payload)
    post(client, payload)  # Green API repeats a delivery it thinks was lost

    row = InboundMessage.objects.get()
    stored, repeat = [e for e in json_lines() if e.get("message_id") == payload["idMessage"]]
    assert stored["logger"] == "messaging.inbox" and stored["inbound_id"] == str(row.pk)
    assert "stored" in stored["message"] and payload["idMessage"] in stored["message"]
    assert "repeat" in repeat["message"] and "inbound_id" not in repeat


def test_the_worker_line_carries_the_turn_message_ids(client, json_lines):
    first, second = shapes.text("hi", chat_id=CHAT_ID), shapes.text("leak", chat_id=CHAT_ID)
    post(client, first)
    post(client, second)

    process_inbound(InboundMessage.objects.get(provider_message_id=first["idMessage"]).pk)

    [turn] = [e for e in json_lines() if "message_ids" in e]
    assert turn["message_ids"] == [first["idMessage"], second["idMessage"]]
    assert "chat turn of 2" in turn["message"] and first["idMessage"] in turn["message"]
    # and it names the lead, as the lines of the replies' sends do
    lead_topic = InboundMessage.objects.get(provider_message_id=first["idMessage"]).topic
    assert lead_topic.startswith("lead:") and turn["topic"] == lead_topic
    reply = OutboundMessage.objects.get(chat_id=CHAT_ID)
    outbox.send(reply.pk)
    [sent] = [e for e in json_lines() if e.get("outbound_id") == str(reply.pk)]
    assert sent["topic"] == lead_topic


def test_the_send_line_carries_the_outgoing_message_id_and_masks_the_chat(
    fake_green_api, json_lines
):
    row = outbox.queue_text(CHAT_ID, "Dana, we are on our way", topic="lead:x")

    assert outbox.send(row.pk).result == "sent"

    row = OutboundMessage.objects.get(pk=row.pk)
    [sent] = [e for e in json_lines() if e.get("outbound_id") == str(row.pk)]
    assert sent["message_id"] == row.provider_message_id and sent["topic"] == "lead:x"
    assert row.provider_message_id in sent["message"]
    assert "547654321" not in json.dumps(json_lines())


def test_a_chat_field_is_masked_like_the_message():
    record = logging.getLogger("x").makeRecord(
        "x", logging.INFO, __file__, 1, "to %s", (CHAT_ID,), None, extra={"chat": CHAT_ID}
    )
    RedactFilter().filter(record)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["chat"] == entry["message"][3:] == "97254***21@c.us"
