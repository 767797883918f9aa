"""Green API's redelivery, for real: HTTP webhook, Redis, a worker, the fake Green API."""

import json
import socket
import sys
import threading
import urllib.request

import pytest

from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState
from tests.e2e.conftest import WEBHOOK_TOKEN, green_api_env, process, wait_for
from tests.e2e.test_job_flow import texts_to
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


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def test_gunicorn_sync_workers_hand_every_stored_message_to_the_workers_once(
    celery_worker_process, green_api
):
    # Given: production's server, gunicorn, with sync workers (one request at a time each),
    # so each worker process publishes from its own publisher thread.
    port = free_port()
    web = [sys.executable, "-m", "gunicorn", "fixi.wsgi", "-b", f"127.0.0.1:{port}"]
    web += ["--workers", "2", "--worker-class", "sync", "--timeout", "120"]
    env = {**green_api_env(green_api), "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    env["SECRET_KEY"] = "e2e-sync-workers-" + "x" * 40
    chats = [f"97254300{n:04d}@c.us" for n in range(10)]
    payloads = [
        shapes.text(f"שלום, נזילה בחיפה ({n})", chat_id=chat) for n, chat in enumerate(chats)
    ]
    statuses = []
    with process("web-sync-workers", web, env) as server:
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return urllib.request.urlopen(url + "/healthz", timeout=2).status == 200
            except OSError:
                return False

        assert wait_for(up, timeout=60), server.log_path.read_text()[-3000:]
        # When: Green API delivers every message twice, the second time at once.
        threads = [
            threading.Thread(target=lambda p=p: statuses.append(deliver(url, p)))
            for p in payloads * 2
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # gunicorn has stopped: its workers published what they held before they exited.

    # Then: each message stored once, processed once, and its customer answered once.
    assert statuses == [200] * len(payloads) * 2
    assert InboundMessage.objects.count() == len(payloads)
    done = wait_for(
        lambda: InboundMessage.objects.filter(state=ProcessingState.DONE).count() == len(chats),
        timeout=90,
    )
    assert done, celery_worker_process.log_path.read_text()[-3000:]
    assert set(InboundMessage.objects.values_list("attempts", flat=True)) == {1}
    for chat in chats:
        assert wait_for(lambda chat=chat: len(texts_to(green_api, chat)) == 1, timeout=30)
