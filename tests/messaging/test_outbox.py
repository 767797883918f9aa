"""The outbox: a row first, one send per row, order per chat, retries only where they help."""

import datetime as dt

import pytest
from django.utils import timezone

from messaging import greenapi, outbox
from messaging.models import OutboundMessage, OutboundStatus

pytestmark = pytest.mark.django_db
CHAT = "972541234567@c.us"


@pytest.fixture(autouse=True)
def quick_timeouts(monkeypatch):
    monkeypatch.setattr(greenapi, "READ_TIMEOUT", 0.5, raising=False)


def make_due(row):
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_message_is_a_row_before_it_is_a_request(
    fake_green_api, broker_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.queue_text(CHAT, "שלום!")

    assert row.status == OutboundStatus.QUEUED
    assert fake_green_api.calls("sendMessage") == []
    assert broker_queue() == [("messaging.send_outbound", [str(row.pk)])]


def test_sending_twice_sends_once(fake_green_api):
    row = outbox.queue_text(CHAT, "שלום!")

    first, second = outbox.send(row.pk), outbox.send(row.pk)

    assert (first.result, second.result) == ("sent", "skipped")
    assert len(fake_green_api.calls("sendMessage")) == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert (
        row.provider_message_id == fake_green_api.calls("sendMessage")[0]["response"]["idMessage"]
    )


def test_buttons_carry_a_numbered_text_fallback(fake_green_api):
    row = outbox.queue_buttons(CHAT, "ליד חדש: נזילה בחיפה", [("1", "אשר"), ("2", "דחה")])

    outbox.send(row.pk)

    body = fake_green_api.calls("sendInteractiveButtonsReply")[0]["json"]
    assert body["buttons"] == [
        {"buttonId": "1", "buttonText": "אשר"},
        {"buttonId": "2", "buttonText": "דחה"},
    ]
    assert "1 - אשר" in body["body"] and "2 - דחה" in body["body"]


@pytest.mark.parametrize(
    "buttons",
    [[], [("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")], [("1", "x" * 26)]],
)
def test_button_limits_are_enforced_before_anything_is_stored(buttons):
    with pytest.raises(ValueError):
        outbox.queue_buttons(CHAT, "?", buttons)
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_provider_hiccups_are_retried_with_backoff(fake_green_api, status):
    fake_green_api.fail_next("sendMessage", status)
    row = outbox.queue_text(CHAT, "hi")

    outcome = outbox.send(row.pk)

    assert outcome.result == "retry" and outcome.retry_in >= outbox.BASE_DELAY_SECONDS / 2
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and str(status) in row.last_error
    assert outbox.send(row.pk).result == "skipped"  # not due yet
    make_due(row)
    assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.calls("sendMessage")) == 2


def test_a_timeout_is_retried(fake_green_api, monkeypatch):
    monkeypatch.setattr(greenapi, "READ_TIMEOUT", 0.3)
    fake_green_api.fail_next("sendMessage", 200, delay=1.0)
    row = outbox.queue_text(CHAT, "hi")

    assert outbox.send(row.pk).result == "retry"
    row.refresh_from_db()
    assert "timeout" in row.last_error


@pytest.mark.parametrize(("status", "reason"), [(400, "400"), (403, "403"), (466, "quota")])
def test_refusals_fail_at_once_with_the_reason(fake_green_api, status, reason):
    fake_green_api.fail_next("sendMessage", status)
    row = outbox.queue_text(CHAT, "hi")

    assert outbox.send(row.pk).result == "failed"
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and reason in row.last_error
    assert row.attempts == 1


def test_retries_stop_at_the_cap(fake_green_api):
    fake_green_api.fail_next("sendMessage", 503, times=outbox.MAX_ATTEMPTS)
    row = outbox.queue_text(CHAT, "hi")

    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(outbox.send(row.pk).result)
        make_due(row)

    assert results == ["retry"] * (outbox.MAX_ATTEMPTS - 1) + ["failed"]
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and "gave up after 6 attempts" in row.last_error


def test_messages_to_one_chat_leave_in_order(fake_green_api):
    first = outbox.queue_text(CHAT, "first")
    second = outbox.queue_text(CHAT, "second")
    other_chat = outbox.queue_text("972501111111@c.us", "elsewhere")

    assert outbox.send(second.pk).result == "waiting"
    assert outbox.send(other_chat.pk).result == "sent"
    assert outbox.send(first.pk).result == "sent"
    make_due(second)
    assert outbox.send(second.pk).result == "sent"
    texts = [call["json"]["message"] for call in fake_green_api.calls("sendMessage")]
    assert texts == ["elsewhere", "first", "second"]


def test_without_credentials_the_simulator_transport_keeps_the_message():
    row = outbox.queue_text(CHAT, "hi")

    assert outbox.send(row.pk).result == "sent"
    row.refresh_from_db()
    assert row.provider_message_id.startswith("sim-")


def test_delivery_statuses_only_move_forward():
    row = OutboundMessage.objects.create(
        chat_id=CHAT, text="x", status=OutboundStatus.SENT, provider_message_id="BAE5OUT1"
    )

    assert outbox.apply_provider_status("BAE5OUT1", "read")
    assert not outbox.apply_provider_status("BAE5OUT1", "delivered")
    row.refresh_from_db()
    assert row.status == OutboundStatus.READ


def test_a_provider_failure_status_marks_the_row_failed():
    row = OutboundMessage.objects.create(
        chat_id=CHAT, text="x", status=OutboundStatus.SENT, provider_message_id="BAE5OUT2"
    )

    outbox.apply_provider_status("BAE5OUT2", "noAccount")

    row.refresh_from_db()
    assert row.status == OutboundStatus.NO_ACCOUNT and "noAccount" in row.last_error


def test_the_sweep_requeues_lost_and_interrupted_sends(broker_queue):
    lost = OutboundMessage.objects.create(chat_id=CHAT, text="lost")
    interrupted = OutboundMessage.objects.create(
        chat_id=CHAT, text="cut", status=OutboundStatus.SENDING
    )
    fresh = OutboundMessage.objects.create(chat_id=CHAT, text="fresh")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    OutboundMessage.objects.filter(pk__in=[lost.pk, interrupted.pk]).update(updated_at=long_ago)

    assert outbox.resend_due() == 2

    assert sorted(args[0] for _, args in broker_queue()) == sorted(
        [str(lost.pk), str(interrupted.pk)]
    )
    assert OutboundMessage.objects.get(pk=fresh.pk).status == OutboundStatus.QUEUED
