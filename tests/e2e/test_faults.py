"""Faults with real processes: a worker killed mid-task, a broker that is down while
webhooks arrive, and two beats running the same schedule.

Each test runs a worker of its own (the lane's other workers stop taking tasks meanwhile),
on Redis, against the fake Green API; the database is the lane's shared SQLite file.
"""

import datetime as dt
import json
import os
import signal
import socket
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from leads.models import ExclusionReason, Lead, LeadExclusion, LeadStatus
from messaging import inbox
from messaging.models import InboundMessage, OutboundMessage, OutboundStatus, ProcessingState
from scheduling.models import Slot
from tests.e2e.conftest import (
    WEBHOOK_TOKEN,
    green_api_env,
    process,
    require_e2e_lane,
    the_only_worker,
    wait_for,
)
from tests.e2e.test_job_flow import MESSAGES, buttons_to, texts_to
from tests.fakes.gemini import MODELS, FakeGemini
from tests.messaging import shapes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CUSTOMER = "972541230001@c.us"


@pytest.fixture
def e2e(django_db_blocker):
    require_e2e_lane()
    from fixi.celery import app

    app.control.purge()


def pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def all_sent() -> bool:
    return not OutboundMessage.objects.exclude(status=OutboundStatus.SENT).exists()


def test_a_worker_killed_mid_booking_books_once_and_asks_the_pro_once(e2e, green_api, haifa_pros):
    # Given a worker that reads messages with Gemini, and a persona reply that hangs:
    # by then the slot is booked and the pro's notification queued.
    with FakeGemini() as gemini:
        gemini.fail(MODELS[0], 500)  # the dispatcher falls back to the offline reading
        gemini.delay(MODELS[0], 0)
        gemini.delay(MODELS[0], 120)  # the persona reply never comes in time
        env = {
            **green_api_env(green_api),
            "GEMINI_API_KEY": gemini.api_key,
            "GEMINI_BASE_URL": gemini.url,
            "AI_MODELS": MODELS[0],
        }
        with the_only_worker("killed", env, concurrency=1) as worker:
            with transaction.atomic():
                stored = inbox.ingest(shapes.text(MESSAGES["he"], chat_id=CUSTOMER))
            assert wait_for(lambda: len(gemini.calls()) == 2, timeout=60)
            lead = Lead.objects.get(customer__chat_id=CUSTOMER)
            assert Slot.objects.filter(lead=lead).count() == 1
            (child,) = pool_children(worker.pid)

            # When the pool process running the task is killed outright.
            os.kill(child, signal.SIGKILL)

            # Then the broker's redelivery finishes the message in a new pool process.
            assert wait_for(
                lambda: InboundMessage.objects.filter(
                    pk=stored.inbound_id, state=ProcessingState.DONE
                ).exists(),
                timeout=60,
            ), worker.log_path.read_text()[-3000:]
            assert wait_for(all_sent, timeout=30)

    message = InboundMessage.objects.get(pk=stored.inbound_id)
    assert message.attempts == 2
    lead.refresh_from_db()
    best = haifa_pros["best"]
    assert (lead.status, lead.pro_id) == (LeadStatus.AWAITING_PRO, best.pk)
    assert Slot.objects.filter(lead=lead).count() == 1
    assert len(buttons_to(green_api, best.chat_id)) == 1
    assert OutboundMessage.objects.filter(chat_id=best.chat_id).count() == 1
    assert lead.description.count(MESSAGES["he"]) == 1
    assert len(texts_to(green_api, CUSTOMER)) == 1
    for pro in haifa_pros.values():
        if pro != best:
            assert not OutboundMessage.objects.filter(chat_id=pro.chat_id).exists()


class SilentBroker:
    """A port that accepts connections and never answers, like a broker host that hangs."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        for connection in self.held:
            connection.close()
        self.socket.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def deliver(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url + "/webhook",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


@pytest.mark.parametrize("broker", ["refused", "silent"])
def test_webhooks_while_the_broker_is_down_are_kept_and_processed_once(e2e, green_api, broker):
    silent = SilentBroker() if broker == "silent" else None
    down = silent.url if silent else f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    web_env = {
        **green_api_env(green_api),
        "CELERY_BROKER_URL": down,
        "DEBUG": "0",
        "SECRET_KEY": "e2e-broker-down-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    web = [sys.executable, "-m", "gunicorn", "fixi.wsgi", "-b", f"127.0.0.1:{port}"]
    web += ["--workers", "1", "--threads", "8", "--timeout", "120"]
    chats = [f"97254200{n:04d}@c.us" for n in range(8)]
    payloads = [
        shapes.text(f"שלום, נזילה בחיפה ({n})", chat_id=chat) for n, chat in enumerate(chats)
    ]
    try:
        with process(f"web-broker-{broker}", web, web_env) as server:
            url = f"http://127.0.0.1:{port}"

            def up():
                try:
                    return urllib.request.urlopen(url + "/healthz", timeout=2).status == 200
                except OSError:
                    return False

            assert wait_for(up, timeout=60), server.log_path.read_text()[-3000:]
            # Green API delivers each message twice, the second time at once.
            statuses = []
            threads = [
                threading.Thread(target=lambda p=p: statuses.append(deliver(url, p)))
                for p in payloads * 2
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            readyz = urllib.request.Request(url + "/readyz")
            with pytest.raises(urllib.error.HTTPError) as not_ready:
                urllib.request.urlopen(readyz, timeout=30)
    finally:
        if silent:
            silent.close()

    assert statuses == [200] * len(payloads) * 2
    assert not_ready.value.code == 503
    assert InboundMessage.objects.count() == len(payloads)
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {ProcessingState.PENDING}

    # The broker is back and a worker starts: its start-up sweep enqueues what waited.
    with the_only_worker(f"recovery-{broker}", green_api_env(green_api)):
        done = wait_for(
            lambda: (
                InboundMessage.objects.filter(state=ProcessingState.DONE).count() == len(payloads)
            ),
            timeout=60,
        )
        assert done
        assert wait_for(all_sent, timeout=30)

    assert set(InboundMessage.objects.values_list("attempts", flat=True)) == {1}
    for chat in chats:
        assert len(texts_to(green_api, chat)) == 1


def beat_command() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "fixi", "beat", "--loglevel", "INFO"]


def test_two_beats_for_one_schedule_replace_a_silent_pro_once(e2e, green_api, haifa_pros):
    # Given a job the best plumber was asked about an hour ago and never answered.
    env = green_api_env(green_api)
    best, following = haifa_pros["best"], haifa_pros["next"]
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name="SOS healer: replace pros who did not answer",
        task="leads.sos_heal",
        interval=every_second,
    )
    with the_only_worker("beats", env) as worker:
        with transaction.atomic():
            inbox.ingest(shapes.text(MESSAGES["he"], chat_id=CUSTOMER))
        assert wait_for(lambda: len(buttons_to(green_api, best.chat_id)) == 1, timeout=60)
        Lead.objects.filter(customer__chat_id=CUSTOMER).update(
            assigned_at=timezone.now() - dt.timedelta(hours=1)
        )

        # When two beats run the same schedule, each sending the healer every second.
        with process("beat-1", beat_command(), env) as one, process("beat-2", beat_command(), env):
            asked = wait_for(lambda: len(buttons_to(green_api, following.chat_id)) == 1, 60)
            assert asked, one.log_path.read_text()[-3000:]
            # Both keep sending the healer for a while: nothing more may happen.
            assert wait_for(lambda: worker_log_count(worker, "leads.sos_heal") >= 8, 60)
        assert wait_for(all_sent, timeout=30)

    # Then the silent pro was replaced once: one exclusion, one word to each pro.
    lead = Lead.objects.get(customer__chat_id=CUSTOMER)
    assert (lead.status, lead.pro_id) == (LeadStatus.AWAITING_PRO, following.pk)
    exclusions = LeadExclusion.objects.filter(lead=lead)
    assert [(e.pro_id, e.reason) for e in exclusions] == [(best.pk, ExclusionReason.TIMED_OUT)]
    assert len(buttons_to(green_api, following.chat_id)) == 1
    assert len(texts_to(green_api, best.chat_id)) == 1
    assert Slot.objects.filter(lead=lead).count() == 1
    for beat in ("beat-1", "beat-2"):
        log = (worker.log_path.parent / f"test-e2e-{beat}.log").read_text()
        assert "Sending due task SOS healer" in log


def worker_log_count(worker, task: str) -> int:
    return worker.log_path.read_text().count(f"Task {task}[") // 2  # received + succeeded
