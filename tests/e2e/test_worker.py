"""The pipe end to end: a stored message is enqueued on commit and a real worker runs it."""

import pytest
from django.db import transaction

from fixi.celery import app
from fixi.models import Heartbeat
from leads.models import Customer
from messaging import inbox
from messaging.models import InboundMessage, ProcessingState
from tests.e2e.conftest import wait_for
from tests.factories import InboundMessageFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_stored_message_is_processed_by_the_worker(celery_worker_process):
    with transaction.atomic():
        message = InboundMessageFactory(chat_id="972509998877@c.us", sender_name="Noa")
        inbox.enqueue_processing(message.pk)

    customer = wait_for(lambda: Customer.objects.filter(chat_id="972509998877@c.us").first())

    assert customer is not None and customer.name == "Noa"
    assert wait_for(
        lambda: InboundMessage.objects.filter(pk=message.pk, state=ProcessingState.DONE).exists()
    )


def test_the_same_task_twice_processes_once(celery_worker_process):
    message = InboundMessageFactory(chat_id="972509998866@c.us")

    for _ in range(2):
        app.send_task(inbox.PROCESS_TASK, args=[str(message.pk)])

    assert wait_for(
        lambda: InboundMessage.objects.filter(pk=message.pk, state=ProcessingState.DONE).exists()
    )
    assert InboundMessage.objects.get(pk=message.pk).attempts == 1
    assert Customer.objects.filter(chat_id="972509998866@c.us").count() == 1


def test_the_heartbeat_job_reaches_the_worker(celery_worker_process):
    app.send_task("fixi.heartbeat")

    beat = wait_for(lambda: Heartbeat.objects.filter(name="worker").first())

    assert beat is not None and "pid" in beat.detail
