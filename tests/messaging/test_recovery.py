"""Recovery: a stored webhook that no worker finished goes to the task of its own type.

A delivery status or an instance state that waited out a broker outage must reach the
event task; the conversation task would mark it "ignored" and the status would be lost.
"""

import datetime as dt
import socket
import subprocess

import pytest
from django.utils import timezone

from messaging import inbox
from messaging.models import InboundMessage, MessageKind, ProcessingState
from tests.factories import InboundMessageFactory

pytestmark = pytest.mark.django_db

CONVERSATION = "leads.process_inbound_message"
EVENTS = "messaging.process_event"
TEN_MINUTES_AGO = dt.timedelta(minutes=10)


def _stored(webhook_type: str, kind: str, **fields) -> InboundMessage:
    row = InboundMessageFactory(webhook_type=webhook_type, kind=kind, **fields)
    InboundMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - TEN_MINUTES_AGO)
    return row


def _rows_of_every_type() -> dict[str, InboundMessage]:
    return {
        "message": _stored("incomingMessageReceived", MessageKind.TEXT),
        "call": _stored("incomingCall", MessageKind.OTHER, subtype="call"),
        "status": _stored("outgoingMessageStatus", MessageKind.STATUS, status="delivered"),
        "state": _stored("stateInstanceChanged", MessageKind.STATE, text="notAuthorized"),
    }


def _dead_process_on_this_host() -> str:
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:1"


def test_every_stuck_row_goes_to_the_task_for_its_webhook_type(broker_queue):
    rows = _rows_of_every_type()

    assert inbox.requeue_unprocessed(older_than_seconds=60) == 4

    assert sorted(broker_queue()) == sorted(
        [
            (CONVERSATION, [str(rows["message"].pk)]),
            (CONVERSATION, [str(rows["call"].pk)]),
            (EVENTS, [str(rows["status"].pk)]),
            (EVENTS, [str(rows["state"].pk)]),
        ]
    )


def test_a_status_held_by_a_dead_worker_goes_back_to_the_event_task(broker_queue):
    status = _stored(
        "outgoingMessageStatus",
        MessageKind.STATUS,
        status="read",
        state=ProcessingState.PROCESSING,
    )
    InboundMessage.objects.filter(pk=status.pk).update(
        claimed_by=_dead_process_on_this_host(), updated_at=timezone.now()
    )

    assert inbox.requeue_unprocessed(older_than_seconds=60) == 1
    assert broker_queue() == [(EVENTS, [str(status.pk)])]


def test_a_row_of_a_type_no_task_handles_is_not_requeued(broker_queue):
    _stored("incomingBlock", MessageKind.OTHER)
    message = _stored("incomingMessageReceived", MessageKind.TEXT)

    assert inbox.requeue_unprocessed(older_than_seconds=60) == 1
    assert broker_queue() == [(CONVERSATION, [str(message.pk)])]


def test_a_requeued_status_is_applied_to_the_outbox_not_ignored(broker_queue):
    import leads.tasks  # noqa: F401  (registers the conversation task, as a worker does)
    from fixi.celery import app as celery_app
    from messaging import tasks
    from messaging.models import OutboundMessage, OutboundStatus

    sent = OutboundMessage.objects.create(
        chat_id="972501234567@c.us",
        text="hello",
        status=OutboundStatus.SENT,
        provider_message_id="BAE5OUT-RECOVERED",
    )
    status = _stored(
        "outgoingMessageStatus",
        MessageKind.STATUS,
        status="delivered",
        provider_message_id="BAE5OUT-RECOVERED",
        raw={"typeWebhook": "outgoingMessageStatus", "idMessage": "BAE5OUT-RECOVERED"},
    )

    tasks.requeue_unprocessed(older_than_seconds=0)
    [(task, args)] = broker_queue()
    celery_app.tasks[task](*args)  # what the worker runs for the message it receives

    status.refresh_from_db()
    sent.refresh_from_db()
    assert (task, status.state) == (EVENTS, ProcessingState.DONE)
    assert sent.status == OutboundStatus.DELIVERED
