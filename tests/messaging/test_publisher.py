"""The webhook's publisher: every committed row reaches the broker once, from a thread of
the web process; what it cannot publish stays pending for the recovery sweep."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from fixi.celery import app
from messaging import inbox, publisher
from messaging.models import InboundMessage, ProcessingState
from messaging.publisher import Publisher
from tests.messaging import shapes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def post(client, payload):
    return client.post("/webhook", data=json.dumps(payload), content_type="application/json")


def test_each_stored_message_is_published_once_and_only_after_its_commit(
    client, broker_queue, django_capture_on_commit_callbacks
):
    payloads = [shapes.text(f"נזילה בחיפה ({n})") for n in range(12)]

    with django_capture_on_commit_callbacks(execute=True):
        answers = [post(client, payload).json()["status"] for payload in payloads]
        # Green API resends some of them before we answered the first time.
        answers += [post(client, payload).json()["status"] for payload in payloads[:4]]
        if connection.features.supports_transactions:
            # Not committed yet, so nothing may reach the workers yet.
            assert broker_queue() == []

    assert answers == ["stored"] * 12 + ["duplicate"] * 4
    stored = [
        str(InboundMessage.objects.get(provider_message_id=p["idMessage"]).pk) for p in payloads
    ]
    assert broker_queue() == [(inbox.PROCESS_TASK, [pk]) for pk in stored]


def test_messages_of_different_types_go_to_their_own_task(
    broker_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = inbox.ingest(shapes.text()).inbound_id
        status = inbox.ingest(shapes.status("BAE5OUT9", "delivered")).inbound_id
        ignored = inbox.ingest(shapes.incoming_block())

    assert ignored.outcome == "ignored"
    assert broker_queue() == [
        (inbox.PROCESS_TASK, [str(message)]),
        (inbox.EVENT_TASK, [str(status)]),
    ]


@pytest.fixture
def refusing_broker(monkeypatch):
    """The app pointed at a port where nothing listens, and a publisher of its own that
    connects with that (the process's publisher keeps the broker it already has)."""
    refused = f"redis://127.0.0.1:{free_port()}/0"
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, refused)
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    monkeypatch.setitem(app.conf, "broker_connection_timeout", 0.5)
    own = Publisher(app)
    monkeypatch.setattr(inbox, "publisher", own)
    return own


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def test_a_failed_publish_leaves_the_row_pending_for_the_recovery_sweep(
    client, broker_queue, refusing_broker, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, shapes.text("הדוד לא מחמם"))
    assert refusing_broker.flush(timeout=30)

    assert response.json() == {"status": "stored"}
    row = InboundMessage.objects.get()
    assert row.state == ProcessingState.PENDING
    assert "the recovery sweep will" in caplog.text
    assert broker_queue() == []

    # The broker is back: the sweep hands the row on, once.
    monkeypatch.undo()
    assert inbox.requeue_unprocessed(older_than_seconds=0) == 1
    assert broker_queue() == [(inbox.PROCESS_TASK, [str(row.pk)])]


class SilentBroker:
    """A port that accepts connections and never answers, like a broker host that hangs."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.url = f"redis://127.0.0.1:{self.socket.getsockname()[1]}/0"
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.socket.accept()[0])
            except OSError:
                return

    def close(self):
        for held in self.held:
            held.close()
        self.socket.close()


def test_ids_past_the_queue_bound_are_left_to_the_sweep(monkeypatch, caplog):
    silent = SilentBroker()
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setitem(app.conf, key, silent.url)
    monkeypatch.setitem(
        app.conf, "broker_transport_options", {"socket_timeout": 1, "socket_connect_timeout": 1}
    )
    monkeypatch.setitem(app.conf, "broker_connection_timeout", 1)
    monkeypatch.setattr(publisher, "MAX_QUEUED", 3)
    own = Publisher(app)
    try:
        # The first publish hangs on the silent broker while three more arrive.
        accepted = [own.submit(inbox.PROCESS_TASK, f"row-{n}") for n in range(4)]
        assert accepted == [True, True, True, False]
        assert "waits for the recovery sweep" in caplog.text
        assert own.flush(timeout=30)
        assert own.waiting() == 0
    finally:
        silent.close()


CHILD = """
import sys

import django

django.setup()
sys.setswitchinterval(10)  # the loop keeps the interpreter: the ids wait for the exit

from fixi.celery import app
from messaging.publisher import publisher

folder, count = sys.argv[1], int(sys.argv[2])
app.conf.broker_url = app.conf.broker_write_url = "filesystem://"
app.conf.broker_transport_options = {
    "data_folder_in": folder, "data_folder_out": folder, "control_folder": folder
}
for n in range(count):
    publisher.submit("leads.process_inbound_message", f"row-{n}")
print(publisher.waiting())
"""


def test_a_process_that_exits_publishes_what_it_had_queued(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fixi.settings", "LOG_LEVEL": "WARNING"}
    env["DATABASE_URL"] = "sqlite:///" + str(tmp_path / "unused.sqlite3")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), "500"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    waiting_at_exit = int(done.stdout.split()[-1])
    assert waiting_at_exit > 0  # the exit, not the thread's normal pace, published them
    published = sorted(
        json.loads(base64.b64decode(json.loads(path.read_text())["body"]))[0][0]
        for path in tmp_path.glob("*.msg")
    )
    assert published == sorted(f"row-{n}" for n in range(500))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_resend_is_a_duplicate_and_the_first_is_published_at_once(
    client, broker_queue
):
    # No transaction around the request, as under gunicorn: the insert commits by itself.
    payload = shapes.text("המזגן מטפטף")
    answers = [post(client, payload).json()["status"] for _ in range(3)]

    assert answers == ["stored", "duplicate", "duplicate"]
    row = InboundMessage.objects.get()
    assert broker_queue() == [(inbox.PROCESS_TASK, [str(row.pk)])]
