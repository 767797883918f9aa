"""A manager sends failed outbound messages again and processes failed inbound ones again
from the admin's lists: only failed rows are taken, each once, and the manager is told how
many."""

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.utils import timezone

from leads.conversation import process_inbound
from messaging import inbox, outbox
from messaging.models import (
    InboundMessage,
    OutboundMessage,
    OutboundStatus,
    ProcessingState,
)
from tests.concurrency import in_threads
from tests.messaging import shapes

CHAT = "972501234567@c.us"
OUTBOX = "/admin/messaging/outboundmessage/"
INBOX = "/admin/messaging/inboundmessage/"


def failed_send(fake_green_api, text="הטכנאי בדרך") -> OutboundMessage:
    """A row that failed for good: Green API refused it for a wrong token."""
    fake_green_api.fail_next("sendMessage", 401)
    row = outbox.queue_text(CHAT, text)
    assert outbox.send(row.pk).result == "failed"
    return OutboundMessage.objects.get(pk=row.pk)


def act(client, url, action, rows, language="en"):
    return client.post(
        url,
        {"action": action, "_selected_action": [str(row.pk) for row in rows]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def told(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_failed_sends_go_again_and_nothing_else_is_touched(
    fake_green_api, admin_client, broker_queue, django_capture_on_commit_callbacks
):
    # given a failed row, and rows queued, being sent and sent
    failed = failed_send(fake_green_api)
    queued = outbox.queue_text(CHAT, "queued")
    sending = outbox.queue_text(CHAT, "sending")
    OutboundMessage.objects.filter(pk=sending.pk).update(status=OutboundStatus.SENDING, attempts=1)
    sent = outbox.queue_text(CHAT, "sent")
    OutboundMessage.objects.filter(pk=sent.pk).update(status=OutboundStatus.SENT)
    before = {r.pk: (r.status, r.attempts) for r in OutboundMessage.objects.all()}

    # when a manager sends all four again
    published = len(broker_queue())
    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, OUTBOX, "send_again", [failed, queued, sending, sent])

    # then only the failed one is queued again, with its attempts from the start
    assert told(response) == [
        "1 failed message will be sent again. 3 were not failed and were left as they are."
    ]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (OutboundStatus.QUEUED, 0, "")
    for row in OutboundMessage.objects.exclude(pk=failed.pk):
        assert (row.status, row.attempts) == before[row.pk]
    assert broker_queue()[published:] == [("messaging.send_outbound", [str(failed.pk)])]
    assert LogEntry.objects.get().object_id == str(failed.pk)
    # and the send task delivers it
    assert outbox.send(failed.pk).result == "sent"
    assert [c["json"]["message"] for c in fake_green_api.calls("sendMessage")][-1] == "הטכנאי בדרך"


@pytest.mark.django_db
def test_a_send_that_may_have_arrived_is_checked_in_the_journal_before_it_goes_again(
    fake_green_api, admin_client
):
    # given a send whose answer was lost on every attempt, though Green API took the first
    fake_green_api.fail_next("sendMessage", 504, accept=True)
    row = outbox.queue_text(CHAT, "הטכנאי בדרך")
    OutboundMessage.objects.filter(pk=row.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert outbox.send(row.pk).result == "failed"
    # long enough ago for the journal to show it
    ago = dt.timedelta(seconds=outbox.JOURNAL_DELAY_SECONDS + 5)
    fake_green_api.age(ago.total_seconds())
    OutboundMessage.objects.filter(pk=row.pk).update(unconfirmed_since=timezone.now() - ago)

    act(admin_client, OUTBOX, "send_again", [row])

    # then the journal shows it went, and it is not sent a second time
    assert outbox.send(row.pk).result == "sent"
    row.refresh_from_db()
    assert row.provider_message_id == fake_green_api.accepted()[0]["idMessage"]
    assert len(fake_green_api.calls("sendMessage")) == 1


@pytest.mark.django_db
def test_the_manager_is_told_in_hebrew(fake_green_api, admin_client):
    rows = [failed_send(fake_green_api, text) for text in ("א", "ב")]

    response = act(admin_client, OUTBOX, "send_again", rows, language="he")

    assert told(response) == ["שתי הודעות שנכשלו יישלחו שוב."]


@pytest.mark.django_db
def test_staff_who_may_only_look_cannot_send_again(fake_green_api, client, django_user_model):
    row = failed_send(fake_green_api)
    clerk = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboundmessage"))
    client.force_login(clerk)

    page = client.get(OUTBOX)
    act(client, OUTBOX, "send_again", [row])

    assert "send_again" not in page.content.decode()
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_managers_sending_again_at_once_take_each_row_once(fake_green_api):
    rows = [failed_send(fake_green_api, f"{n}") for n in range(4)]
    ids = [row.pk for row in rows]

    taken = in_threads(2, lambda i: outbox.resend_failed(ids))

    assert sorted(pk for found in taken for pk in found) == sorted(ids)
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundStatus.QUEUED}


def failed_inbound(client) -> InboundMessage:
    """A customer's message whose processing failed."""
    row = InboundMessage.objects.get(pk=inbox.ingest(shapes.text(chat_id=CHAT)).inbound_id)
    InboundMessage.objects.filter(pk=row.pk).update(
        state=ProcessingState.FAILED, attempts=1, error="RuntimeError: boom"
    )
    return row


@pytest.mark.django_db
def test_a_failed_inbound_message_is_processed_again(
    admin_client, broker_queue, django_capture_on_commit_callbacks
):
    # given a failed message, one waiting and one being processed
    failed = failed_inbound(admin_client)
    waiting = InboundMessage.objects.get(
        pk=inbox.ingest(shapes.text(chat_id="972501112233@c.us")).inbound_id
    )
    busy = InboundMessage.objects.get(
        pk=inbox.ingest(shapes.text(chat_id="972501112244@c.us")).inbound_id
    )
    InboundMessage.objects.filter(pk=busy.pk).update(
        state=ProcessingState.PROCESSING, claimed_by="host:1:1", updated_at=timezone.now()
    )
    broker_queue()  # what the webhook published

    with django_capture_on_commit_callbacks(execute=True):
        response = act(admin_client, INBOX, "process_again", [failed, waiting, busy])

    assert told(response) == [
        "1 failed message will be processed again. 2 were not failed and were left as they are."
    ]
    failed.refresh_from_db()
    assert (failed.state, failed.error) == (ProcessingState.PENDING, "")
    assert ("leads.process_inbound_message", [str(failed.pk)]) in broker_queue()
    busy.refresh_from_db()
    assert (busy.state, busy.claimed_by) == (ProcessingState.PROCESSING, "host:1:1")
    # and the worker answers it
    process_inbound(failed.pk)
    failed.refresh_from_db()
    assert failed.state == ProcessingState.DONE


@pytest.mark.django_db
def test_a_manager_who_may_only_look_cannot_process_again(admin_client, client, django_user_model):
    failed = failed_inbound(admin_client)
    clerk = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
    client.force_login(clerk)

    act(client, INBOX, "process_again", [failed])

    failed.refresh_from_db()
    assert failed.state == ProcessingState.FAILED


@pytest.mark.django_db
def test_the_refused_sends_are_found_by_their_error(fake_green_api, admin_client):
    failed_send(fake_green_api, "נשלח עם הטוקן הישן")
    fake_green_api.fail_next("sendMessage", 400, body={"message": "chatId is invalid"})
    other = outbox.queue_text(CHAT, "refused-for-its-chat-id")
    assert outbox.send(other.pk).result == "failed"

    page = admin_client.get(OUTBOX, {"status__exact": "failed", "q": "401 Unauthorized"})

    html = page.content.decode()
    assert "נשלח עם הטוקן הישן" in html and "refused-for-its-chat-id" not in html
