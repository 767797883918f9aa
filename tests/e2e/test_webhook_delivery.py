"""Green API's redelivery, for real: HTTP webhook, Redis, a worker, the fake Green API."""

import json
import threading
import urllib.request

import pytest

from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState
from tests.e2e.conftest import WEBHOOK_TOKEN, wait_for
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def deliver(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url + "/webhook",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_one_message_delivered_five_times_is_stored_processed_and_answered_once(
    live_server, celery_worker_process, green_api
):
    chat = "972541110001@c.us"
    payload = shapes.text("שלום, יש לי קצר בחשמל ברמת גן", chat_id=chat)
    statuses = []

    threads = [
        threading.Thread(target=lambda: statuses.append(deliver(live_server.url, payload)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses += [deliver(live_server.url, payload) for _ in range(2)]

    assert statuses == [200] * 5
    sent = wait_for(
        lambda: OutboundMessage.objects.filter(chat_id=chat, status=OutboundStatus.SENT).exists()
    )
    assert sent
    message = InboundMessage.objects.get()
    assert (message.state, message.attempts) == (ProcessingState.DONE, 1)
    assert OutboundMessage.objects.filter(chat_id=chat).count() == 1
    to_chat = [c for c in green_api.calls("sendMessage") if c["json"]["chatId"] == chat]
    assert len(to_chat) == 1 and to_chat[0]["json"]["message"].startswith("תודה Dana!")
