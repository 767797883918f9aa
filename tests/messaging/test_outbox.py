"""The outbox: a row first, one send per row, order per chat, retries only where they help."""

import datetime as dt
import socket
import time

import pytest
from django.utils import timezone

from messaging import greenapi, outbox
from messaging.models import OutboundMessage, OutboundStatus
from tests.fakes.green_api import file_too_large_body

pytestmark = pytest.mark.django_db
CHAT = "972541234567@c.us"
SLOWER_THAN_THE_CLIENT = 0.8  # seconds; quick_timeouts gives up reading after 0.5
SEND_METHOD = {
    "text": "sendMessage",
    "buttons": "sendInteractiveButtonsReply",
    "file": "sendFileByUrl",
}


@pytest.fixture(autouse=True)
def quick_timeouts(monkeypatch):
    monkeypatch.setattr(greenapi, "READ_TIMEOUT", 0.5, raising=False)


@pytest.fixture(autouse=True)
def journal_unthrottled(request, monkeypatch):
    """Green API answers the journal once a second; tests not about that read it faster."""
    monkeypatch.setattr(outbox, "JOURNAL_READ_SECONDS", 0.0)
    if "fake_green_api" in request.fixturenames:
        request.getfixturevalue("fake_green_api").journal_interval = 0.0


def make_due(row):
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def time_passes(fake, seconds: float) -> None:
    """`seconds` go by for the outbox and for Green API: every row's times and every
    message Green API took move that far into the past (so the journal shows what it
    took once its documented delay is over)."""
    fake.wait_until_idle()
    fake.age(seconds)
    past = dt.timedelta(seconds=seconds)
    for row in OutboundMessage.objects.all():
        OutboundMessage.objects.filter(pk=row.pk).update(
            created_at=row.created_at - past,
            updated_at=row.updated_at - past,
            next_attempt_at=row.next_attempt_at and row.next_attempt_at - past,
            unconfirmed_since=row.unconfirmed_since and row.unconfirmed_since - past,
        )


def queue(kind: str) -> OutboundMessage:
    if kind == "buttons":
        return outbox.queue_buttons(CHAT, "ליד חדש: נזילה בחיפה", [("1", "אשר"), ("2", "דחה")])
    if kind == "file":
        return outbox.queue_file(CHAT, "https://example.com/quote.pdf", "quote.pdf", "הצעת מחיר")
    return outbox.queue_text(CHAT, "אני בדרך")


def answer_too_late(fake, method="sendMessage", accepted=True, times=1):
    """The client times out; with `accepted` the fake still takes the message afterwards
    (WhatsApp got it), without it the fake hangs up having taken nothing."""
    if accepted:
        fake.fail_next(method, 200, delay=SLOWER_THAN_THE_CLIENT, times=times)
    else:
        fake.drop_next(method, delay=SLOWER_THAN_THE_CLIENT, times=times)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def test_a_timeout_is_retried_once_the_journal_would_show_the_message(fake_green_api):
    answer_too_late(fake_green_api)
    row = outbox.queue_text(CHAT, "hi")

    outcome = outbox.send(row.pk)

    assert outcome.result == "retry" and outcome.retry_in >= outbox.JOURNAL_DELAY_SECONDS
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and "timeout" in row.last_error
    assert row.unconfirmed_since == row.updated_at  # the claim, before the request left
    assert row.next_attempt_at >= timezone.now() + dt.timedelta(seconds=140)


@pytest.mark.parametrize("kind", ["text", "buttons", "file"])
def test_a_timed_out_send_that_arrived_is_not_sent_again(fake_green_api, kind):
    # given a send whose answer was lost although Green API took the message
    row = queue(kind)
    answer_too_late(fake_green_api, SEND_METHOD[kind], accepted=True)
    assert outbox.send(row.pk).result == "retry"

    # when the retry comes due, once the journal can show the message
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    row.refresh_from_db()
    attempt = row.unconfirmed_since
    outcome = outbox.send(row.pk)

    # then the journal shows it and nothing more is sent
    [delivered] = fake_green_api.accepted()
    assert outcome.result == "sent"
    assert len(fake_green_api.calls(SEND_METHOD[kind])) == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert row.provider_message_id == delivered["idMessage"]
    assert row.unconfirmed_since is None and row.last_error == ""
    assert row.sent_at == attempt
    [journal] = fake_green_api.calls("lastOutgoingMessages")
    # from a minute before the claim (150 s ago) to now
    assert journal["query"] == {"minutes": ["4"]}


def test_the_journal_is_not_read_before_it_could_show_the_message(fake_green_api):
    # given a send whose answer was lost, retried before 2 minutes are over
    answer_too_late(fake_green_api, accepted=True)
    row = outbox.queue_text(CHAT, "hi")
    outbox.send(row.pk)
    time_passes(fake_green_api, 60)
    make_due(row)

    outcome = outbox.send(row.pk)

    # then the journal, which does not show it yet, is no proof that it was not sent
    assert outcome.result == "waiting" and outcome.retry_in >= 89
    assert len(fake_green_api.calls("sendMessage")) == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and row.attempts == 1
    time_passes(fake_green_api, 90)
    make_due(row)
    assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.calls("sendMessage")) == 1


@pytest.mark.parametrize("accepted_nothing", ["read timeout", "hang-up"])
def test_a_send_that_never_arrived_is_sent_once_more(fake_green_api, accepted_nothing):
    # given a send that ended without an answer, and Green API took nothing
    if accepted_nothing == "read timeout":
        answer_too_late(fake_green_api, accepted=False)
    else:
        fake_green_api.drop_next("sendMessage")
    row = outbox.queue_text(CHAT, "אני בדרך")
    outcome = outbox.send(row.pk)
    assert outcome.result == "retry" and outcome.retry_in >= outbox.JOURNAL_DELAY_SECONDS

    # when the retry comes due
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    result = outbox.send(row.pk).result

    # then the journal is read first, and the message goes out once
    assert result == "sent"
    assert len(fake_green_api.calls("lastOutgoingMessages")) == 1
    assert len(fake_green_api.calls("sendMessage")) == 2
    [delivered] = fake_green_api.accepted()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert row.provider_message_id == delivered["idMessage"]


def test_connection_refused_is_retried_without_reading_the_journal(fake_green_api, settings):
    # given nothing listening where Green API should be
    settings.GREEN_API_URL = f"http://127.0.0.1:{closed_port()}"
    row = outbox.queue_text(CHAT, "hi")

    outcome = outbox.send(row.pk)

    # then it is a plain retry: the message cannot have left
    assert outcome.result == "retry" and outcome.retry_in <= outbox.BASE_DELAY_SECONDS
    row.refresh_from_db()
    assert row.unconfirmed_since is None and "connection failed" in row.last_error

    # when Green API is back
    settings.GREEN_API_URL = fake_green_api.url
    make_due(row)

    assert outbox.send(row.pk).result == "sent"
    assert fake_green_api.calls("lastOutgoingMessages") == []
    assert len(fake_green_api.accepted()) == 1


def test_an_unreadable_journal_holds_the_send_back(fake_green_api):
    # given an unconfirmed send, and a journal that answers 503 once
    answer_too_late(fake_green_api, accepted=False)
    row = outbox.queue_text(CHAT, "hi")
    outbox.send(row.pk)
    fake_green_api.fail_next("lastOutgoingMessages", 503)

    # when the retry comes due
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    outcome = outbox.send(row.pk)

    # then nothing is sent blind; the row waits for another look
    assert outcome.result == "retry"
    assert len(fake_green_api.calls("sendMessage")) == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.QUEUED and row.unconfirmed_since is not None
    assert "journal" in row.last_error and "503" in row.last_error
    make_due(row)
    assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.calls("lastOutgoingMessages")) == 2
    assert len(fake_green_api.accepted()) == 1


def test_an_unreadable_journal_fails_the_row_at_the_cap(fake_green_api):
    answer_too_late(fake_green_api, accepted=False)
    fake_green_api.fail_next("lastOutgoingMessages", 503, times=outbox.MAX_ATTEMPTS)
    row = outbox.queue_text(CHAT, "hi")

    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(outbox.send(row.pk).result)
        time_passes(fake_green_api, outbox.MAX_DELAY_SECONDS)

    assert results == ["retry"] * (outbox.MAX_ATTEMPTS - 1) + ["failed"]
    assert len(fake_green_api.calls("sendMessage")) == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED
    assert row.last_error.startswith("gave up after 6 attempts: could not read Green API's journal")


def test_sends_without_an_answer_fail_at_the_cap_saying_they_may_have_arrived(fake_green_api):
    fake_green_api.drop_next("sendMessage", times=outbox.MAX_ATTEMPTS)
    row = outbox.queue_text(CHAT, "hi")

    results = []
    for _ in range(outbox.MAX_ATTEMPTS):
        results.append(outbox.send(row.pk).result)
        time_passes(fake_green_api, outbox.MAX_DELAY_SECONDS)

    assert results == ["retry"] * (outbox.MAX_ATTEMPTS - 1) + ["failed"]
    # every resend was preceded by a look in the journal
    assert len(fake_green_api.calls("lastOutgoingMessages")) == outbox.MAX_ATTEMPTS - 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and row.unconfirmed_since is not None
    assert "gave up after 6 attempts" in row.last_error
    assert "WhatsApp may have the message" in row.last_error


def test_an_earlier_identical_message_is_not_taken_for_this_one(fake_green_api):
    # given "on my way" already sent to this chat by another row
    earlier = outbox.queue_text(CHAT, "אני בדרך")
    outbox.send(earlier.pk)
    # and a second "on my way" whose send never arrived
    fake_green_api.drop_next("sendMessage")
    row = outbox.queue_text(CHAT, "אני בדרך")
    outbox.send(row.pk)

    # when its retry comes due
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    outbox.send(row.pk)

    # then the earlier message does not count for it: it is sent
    first, second = fake_green_api.accepted()
    earlier.refresh_from_db()
    row.refresh_from_db()
    assert earlier.provider_message_id == first["idMessage"]
    assert row.provider_message_id == second["idMessage"]


@pytest.mark.parametrize(("status", "reason"), [(400, "400"), (403, "403"), (466, "quota")])
def test_refusals_fail_at_once_with_the_reason(fake_green_api, status, reason):
    fake_green_api.fail_next("sendMessage", status)
    row = outbox.queue_text(CHAT, "hi")

    assert outbox.send(row.pk).result == "failed"
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and reason in row.last_error
    assert row.attempts == 1


# --- The instance is down, or answers in ways the documentation names ------------------


@pytest.mark.parametrize("state", ["starting", "notAuthorized"])
def test_a_message_waits_for_the_instance_without_using_up_attempts(fake_green_api, state):
    # given an instance rebooting after setSettings, or logged out
    fake_green_api.state_instance = state
    row = outbox.queue_text(CHAT, "אני בדרך")

    # when its sends are refused for longer than the attempts would last
    results = []
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        outcome = outbox.send(row.pk)
        results.append(outcome.result)
        make_due(row)

    # then it waits in the outbox, and goes out once the instance is back
    assert results == ["retry"] * (outbox.MAX_ATTEMPTS + 2)
    assert outcome.retry_in >= outbox.INSTANCE_DOWN_RETRY_SECONDS
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.QUEUED, 0)
    assert row.last_error.startswith("waiting for the WhatsApp instance: 400")
    fake_green_api.state_instance = "authorized"
    assert outbox.send(row.pk).result == "sent"
    assert [entry["chatId"] for entry in fake_green_api.accepted()] == [CHAT]


def test_a_message_the_instance_could_not_take_for_a_day_fails(fake_green_api):
    fake_green_api.state_instance = "notAuthorized"
    row = outbox.queue_text(CHAT, "אני בדרך")
    OutboundMessage.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=outbox.INSTANCE_DOWN_GIVE_UP_HOURS)
    )

    assert outbox.send(row.pk).result == "failed"

    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED
    assert row.last_error.startswith("WhatsApp was not connected for 24 hours")


def test_later_messages_of_the_chat_wait_as_long_as_the_held_one(fake_green_api):
    fake_green_api.state_instance = "notAuthorized"
    first = outbox.queue_text(CHAT, "first")
    second = outbox.queue_text(CHAT, "second")
    held = outbox.send(first.pk)

    outcome = outbox.send(second.pk)

    # then the second does not come back every two seconds while the first waits
    assert outcome.result == "waiting"
    assert outcome.retry_in >= held.retry_in
    second.refresh_from_db()
    assert second.attempts == 0


def test_a_bad_gateway_is_checked_in_the_journal_not_sent_blind(fake_green_api):
    # given a 502 from a gateway that had passed the message on
    fake_green_api.fail_next("sendMessage", 502, accept=True)
    row = outbox.queue_text(CHAT, "אני בדרך")

    outcome = outbox.send(row.pk)

    assert outcome.result == "retry" and outcome.retry_in >= outbox.JOURNAL_DELAY_SECONDS
    row.refresh_from_db()
    assert row.unconfirmed_since is not None and "502" in row.last_error
    # when the retry comes due, the journal shows it: it is not sent twice
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.calls("sendMessage")) == 1


def test_a_file_over_green_apis_limit_fails_at_once(fake_green_api):
    url = "https://example.com/job-video.mp4"
    fake_green_api.fail_next("sendFileByUrl", 500, body=file_too_large_body(url))
    row = outbox.queue_file(CHAT, url, "job-video.mp4")

    assert outbox.send(row.pk).result == "failed"

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, 1)
    assert "exceeded max upload size" in row.last_error


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
    # MongoDB keeps milliseconds only
    long_ago = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    OutboundMessage.objects.filter(pk__in=[lost.pk, interrupted.pk]).update(updated_at=long_ago)

    assert outbox.resend_due() == 2

    assert sorted(args[0] for _, args in broker_queue()) == sorted(
        [str(lost.pk), str(interrupted.pk)]
    )
    assert OutboundMessage.objects.get(pk=fresh.pk).status == OutboundStatus.QUEUED
    # an interrupted send may have arrived: unconfirmed since it was claimed
    interrupted.refresh_from_db()
    assert interrupted.status == OutboundStatus.QUEUED
    assert interrupted.unconfirmed_since == long_ago
    assert OutboundMessage.objects.get(pk=lost.pk).unconfirmed_since is None


def test_the_sweep_keeps_an_earlier_unconfirmed_time(broker_queue):
    first_try = timezone.now().replace(microsecond=0) - dt.timedelta(hours=2)
    row = OutboundMessage.objects.create(
        chat_id=CHAT, text="cut", status=OutboundStatus.SENDING, unconfirmed_since=first_try
    )
    OutboundMessage.objects.filter(pk=row.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )

    outbox.resend_due()

    row.refresh_from_db()
    assert (row.status, row.unconfirmed_since) == (OutboundStatus.QUEUED, first_try)


@pytest.mark.parametrize("arrived", [True, False])
def test_an_interrupted_send_is_checked_in_the_journal_before_it_goes_out(
    fake_green_api, broker_queue, arrived
):
    # given a worker that died 15 minutes ago in the middle of sending a row
    claimed = timezone.now() - dt.timedelta(minutes=15)
    row = OutboundMessage.objects.create(
        chat_id=CHAT, text="הטכנאי יגיע מחר", status=OutboundStatus.SENDING, attempts=1
    )
    OutboundMessage.objects.filter(pk=row.pk).update(updated_at=claimed)
    if arrived:  # its request reached Green API a moment after the claim
        greenapi.send_message(CHAT, "הטכנאי יגיע מחר")
        fake_green_api.age(15 * 60 - 1)
    sends_before = len(fake_green_api.calls("sendMessage"))

    # when the sweep re-queues it and it is sent
    assert outbox.resend_due() == 1
    assert outbox.send(row.pk).result == "sent"

    # then the journal was read over the whole time since the claim
    [journal] = fake_green_api.calls("lastOutgoingMessages")
    assert int(journal["query"]["minutes"][0]) >= 16
    [delivered] = fake_green_api.accepted()
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert row.provider_message_id == delivered["idMessage"]
    sent_now = len(fake_green_api.calls("sendMessage")) - sends_before
    assert sent_now == (0 if arrived else 1)


# --- The journal as Green API documents it ------------------------------------------------


def test_an_uncaptioned_file_that_arrived_is_found_by_its_link(fake_green_api):
    # given a document without a caption whose send timed out, although Green API took it
    row = outbox.queue_file(CHAT, "https://example.com/invoice.pdf", "invoice.pdf")
    answer_too_late(fake_green_api, "sendFileByUrl", accepted=True)
    outbox.send(row.pk)

    # when the retry comes due: the journal lists its link, not its name
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    assert outbox.send(row.pk).result == "sent"

    # then it is not sent again
    assert len(fake_green_api.calls("sendFileByUrl")) == 1
    [delivered] = fake_green_api.accepted()
    row.refresh_from_db()
    assert row.provider_message_id == delivered["idMessage"]


def test_a_file_whose_link_the_journal_rewrote_is_found_by_its_caption(fake_green_api):
    row = outbox.queue_file(CHAT, "https://example.com/quote.pdf", "quote.pdf", "הצעת מחיר")
    answer_too_late(fake_green_api, "sendFileByUrl", accepted=True)
    outbox.send(row.pk)
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    # Green API keeps its own copy of the file and lists that link
    fake_green_api.journal[0]["downloadUrl"] = "https://sw-media.example/1101/aa.pdf"

    assert outbox.send(row.pk).result == "sent"

    assert len(fake_green_api.calls("sendFileByUrl")) == 1


def test_a_text_with_a_link_is_found_in_its_extended_text(fake_green_api):
    row = outbox.queue_text(CHAT, "Your calendar: https://fixi.example/calendar/abc.ics")
    answer_too_late(fake_green_api, accepted=True)
    outbox.send(row.pk)
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)

    assert outbox.send(row.pk).result == "sent"

    assert fake_green_api.accepted()[0]["typeMessage"] == "extendedTextMessage"
    assert len(fake_green_api.calls("sendMessage")) == 1


def test_the_send_time_is_the_attempts_not_the_journals_last_action(fake_green_api):
    # given a message that arrived at once, was read ten minutes later, and whose
    # answer was lost on the way back
    answer_too_late(fake_green_api, accepted=True)
    row = outbox.queue_text(CHAT, "אני בדרך")
    outbox.send(row.pk)
    time_passes(fake_green_api, 600)
    [delivered] = fake_green_api.accepted()
    fake_green_api.set_status(delivered["idMessage"], "read")
    row.refresh_from_db()
    attempt = row.unconfirmed_since

    assert outbox.send(row.pk).result == "sent"

    # then it was sent when it was tried, not when it was read
    row.refresh_from_db()
    assert row.sent_at == attempt
    assert timezone.now() - row.sent_at > dt.timedelta(minutes=9)


def test_one_journal_read_settles_every_unconfirmed_row(fake_green_api):
    # given three chats whose sends all timed out; two of them reached Green API
    arrived = outbox.queue_text("972501000001@c.us", "first")
    answer_too_late(fake_green_api, accepted=True)
    outbox.send(arrived.pk)
    also_arrived = outbox.queue_text("972501000002@c.us", "second")
    answer_too_late(fake_green_api, accepted=True)
    outbox.send(also_arrived.pk)
    lost = outbox.queue_text("972501000003@c.us", "third")
    answer_too_late(fake_green_api, accepted=False)
    outbox.send(lost.pk)
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)

    # when the first retry reads the journal
    assert outbox.send(arrived.pk).result == "sent"

    # then that one read settled the others too: one is sent, one may simply be sent
    also_arrived.refresh_from_db()
    lost.refresh_from_db()
    assert also_arrived.status == OutboundStatus.SENT
    assert also_arrived.provider_message_id == fake_green_api.accepted()[1]["idMessage"]
    assert (lost.status, lost.unconfirmed_since) == (OutboundStatus.QUEUED, None)
    assert outbox.send(also_arrived.pk).result == "skipped"
    assert outbox.send(lost.pk).result == "sent"
    assert len(fake_green_api.calls("lastOutgoingMessages")) == 1
    assert len(fake_green_api.calls("sendMessage")) == 4


def test_a_journal_at_its_rate_limit_uses_up_no_attempt(fake_green_api):
    answer_too_late(fake_green_api, accepted=False)
    row = outbox.queue_text(CHAT, "hi")
    outbox.send(row.pk)
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    fake_green_api.fail_next("lastOutgoingMessages", 429, headers={"Retry-After": "1"})

    outcome = outbox.send(row.pk)

    assert outcome.result == "waiting" and 1 <= outcome.retry_in <= 3
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboundStatus.QUEUED, 1)
    assert row.unconfirmed_since is not None
    make_due(row)
    assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.calls("sendMessage")) == 2


def test_workers_read_the_journal_at_most_once_a_second(fake_green_api, monkeypatch):
    # given Green API's limit of one journal read a second, kept by the outbox too
    monkeypatch.setattr(outbox, "JOURNAL_READ_SECONDS", 1.0)
    fake_green_api.journal_interval = 1.0
    first = outbox.queue_text("972501000001@c.us", "first")
    answer_too_late(fake_green_api, accepted=False)
    outbox.send(first.pk)
    time_passes(fake_green_api, outbox.JOURNAL_DELAY_SECONDS)
    assert outbox.send(first.pk).result == "sent"
    # and another unconfirmed row coming due within the same second
    second = outbox.queue_text("972501000002@c.us", "second")
    fake_green_api.drop_next("sendMessage")
    outbox.send(second.pk)
    OutboundMessage.objects.filter(pk=second.pk).update(
        unconfirmed_since=timezone.now() - dt.timedelta(seconds=outbox.JOURNAL_DELAY_SECONDS),
        next_attempt_at=timezone.now(),
    )

    outcome = outbox.send(second.pk)

    # then it waits for the next second instead of earning a 429
    assert outcome.result == "waiting" and outcome.retry_in >= 1
    assert len(fake_green_api.calls("lastOutgoingMessages")) == 1
    second.refresh_from_db()
    assert second.attempts == 1
    time.sleep(1.05)
    make_due(second)
    assert outbox.send(second.pk).result == "sent"
    assert len(fake_green_api.calls("lastOutgoingMessages")) == 2
    assert [c["status"] for c in fake_green_api.calls("lastOutgoingMessages")] == [200, 200]


def test_only_a_message_that_cannot_have_left_is_reworded(fake_green_api):
    waiting = outbox.queue_text(CHAT, "alert")
    unconfirmed = outbox.queue_text("972501000009@c.us", "alert")
    OutboundMessage.objects.filter(pk=unconfirmed.pk).update(unconfirmed_since=timezone.now())
    sent = outbox.queue_text("972501000008@c.us", "alert")
    outbox.send(sent.pk)

    assert outbox.reword_unsent(waiting.pk, "summary")
    assert not outbox.reword_unsent(unconfirmed.pk, "summary")
    assert not outbox.reword_unsent(sent.pk, "summary")

    texts = dict(OutboundMessage.objects.values_list("pk", "text"))
    assert [texts[waiting.pk], texts[unconfirmed.pk], texts[sent.pk]] == [
        "summary",
        "alert",
        "alert",
    ]
