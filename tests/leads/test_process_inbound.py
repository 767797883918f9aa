"""The first real task: a stored WhatsApp message becomes a known customer, exactly once."""

import datetime as dt
import socket
import subprocess

import pytest
from django.utils import timezone

from fixi import processes
from leads.conversation import process_inbound
from leads.models import Customer
from messaging import inbox
from messaging.models import InboundMessage, MessageKind, ProcessingState
from tests.factories import InboundMessageFactory


@pytest.mark.django_db
def test_a_message_creates_its_customer_once():
    message = InboundMessageFactory(chat_id="972501112233@c.us", sender_name="Moshe Peretz")

    first = process_inbound(message.pk)
    second = process_inbound(message.pk)

    assert (first, second) == ("asked", "skipped")
    customer = Customer.objects.get(chat_id="972501112233@c.us")
    assert (customer.name, customer.phone) == ("Moshe Peretz", "972501112233")
    message.refresh_from_db()
    assert (message.state, message.attempts) == (ProcessingState.DONE, 1)


@pytest.mark.django_db
def test_status_webhooks_are_not_conversation():
    message = InboundMessageFactory(kind=MessageKind.STATUS, webhook_type="outgoingMessageStatus")

    assert process_inbound(message.pk) == "ignored"
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_an_abandoned_claim_can_be_taken_again():
    message = InboundMessageFactory()
    assert inbox.claim(message.pk) is not None
    assert inbox.claim(message.pk) is None  # a live claim is exclusive

    long_ago = timezone.now() - dt.timedelta(hours=1)
    InboundMessage.objects.filter(pk=message.pk).update(updated_at=long_ago)

    assert process_inbound(message.pk) == "asked"


@pytest.mark.django_db
def test_recovery_requeues_only_stuck_messages(monkeypatch):
    sent = []
    monkeypatch.setattr(inbox.celery_app, "send_task", lambda name, args: sent.append(args[0]))
    stuck = InboundMessageFactory()
    InboundMessage.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    InboundMessageFactory()  # just arrived: its own task is on the way
    InboundMessageFactory(state=ProcessingState.DONE)

    assert inbox.requeue_unprocessed(older_than_seconds=60) == 1
    assert sent == [str(stuck.pk)]


def _dead_process_on_this_host() -> str:
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}:1"


@pytest.mark.django_db
def test_a_claim_held_by_a_process_that_is_gone_is_taken_over_at_once():
    message = InboundMessageFactory()
    assert inbox.claim(message.pk) is not None
    assert InboundMessage.objects.get(pk=message.pk).claimed_by == processes.current()
    InboundMessage.objects.filter(pk=message.pk).update(claimed_by=_dead_process_on_this_host())

    assert process_inbound(message.pk) == "asked"
    message.refresh_from_db()
    assert (message.state, message.attempts) == (ProcessingState.DONE, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "holder",
    [
        "elsewhere.example:1:1",  # another host: cannot be shown to be gone
        "this-host-pid",  # not a holder's form
    ],
)
def test_a_claim_whose_holder_may_be_alive_stays_exclusive(holder):
    message = InboundMessageFactory()
    assert inbox.claim(message.pk) is not None
    if holder == "this-host-pid":
        holder = processes.current()  # this very process
    InboundMessage.objects.filter(pk=message.pk).update(claimed_by=holder)

    assert inbox.claim(message.pk) is None


def test_a_recycled_pid_is_not_the_holder():
    me = processes.current()
    host, pid, started = me.split(":")
    assert not processes.is_gone(me)
    assert processes.is_gone(f"{host}:{pid}:{int(started) + 1}")


@pytest.mark.django_db
def test_recovery_requeues_messages_held_by_the_dead(monkeypatch):
    sent = []
    monkeypatch.setattr(inbox.celery_app, "send_task", lambda name, args: sent.append(args[0]))
    dead = InboundMessageFactory(state=ProcessingState.PROCESSING)
    InboundMessage.objects.filter(pk=dead.pk).update(claimed_by=_dead_process_on_this_host())
    alive = InboundMessageFactory(state=ProcessingState.PROCESSING)
    InboundMessage.objects.filter(pk=alive.pk).update(claimed_by=processes.current())

    assert inbox.requeue_unprocessed(older_than_seconds=60) == 1
    assert sent == [str(dead.pk)]
