"""The Green API client against the fake Green API server on a loopback port."""

import logging
import socket
import time
import traceback
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from messaging import greenapi
from messaging.greenapi import GreenApiError
from tests.fakes.green_api import (  # noqa: F401
    JOURNAL_DELAY_SECONDS,
    FakeMedia,
    fake_green_api,
    file_too_large_body,
)

CHAT = "972501234567@c.us"


@pytest.fixture
def fake(fake_green_api):  # noqa: F811
    return fake_green_api


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setattr(greenapi, "READ_TIMEOUT", 0.2)
    monkeypatch.setattr(greenapi, "MEDIA_READ_TIMEOUT", 0.2)


def api_path(fake, method):
    return f"/waInstance{fake.instance_id}/{method}/{fake.token}"


def raised(call, *args, **kwargs) -> GreenApiError:
    with pytest.raises(GreenApiError) as info:
        call(*args, **kwargs)
    return info.value


# --- Configuration ------------------------------------------------------------------------


def test_is_configured_needs_both_id_and_token(settings):
    settings.GREEN_API_ID, settings.GREEN_API_TOKEN = "1101000001", ""
    assert not greenapi.is_configured()
    settings.GREEN_API_TOKEN = "secret"
    assert greenapi.is_configured()


def test_unconfigured_client_refuses_without_a_request(fake, settings):
    settings.GREEN_API_TOKEN = ""

    error = raised(greenapi.send_message, CHAT, "hi")

    assert not error.retryable
    assert "not configured" in error.reason
    assert fake.requests == []


# --- Request shapes -----------------------------------------------------------------------


def test_send_message_posts_chat_and_text_and_returns_the_id(fake):
    message_id = greenapi.send_message(CHAT, "שלום")

    [call] = fake.requests
    assert call["http_method"] == "POST"
    assert call["path"] == api_path(fake, "sendMessage")
    assert call["json"] == {"chatId": CHAT, "message": "שלום"}
    assert call["headers"]["Content-Type"] == "application/json"
    assert message_id.startswith("BAE5")
    assert message_id == call["response"]["idMessage"]


def test_send_message_quotes_only_when_asked(fake):
    greenapi.send_message(CHAT, "reply", quoted_message_id="BAE5QUOTED")
    greenapi.send_message(CHAT, "plain")

    quoted, plain = (call["json"] for call in fake.calls("sendMessage"))
    assert quoted["quotedMessageId"] == "BAE5QUOTED"
    assert "quotedMessageId" not in plain


def test_every_send_gets_its_own_id(fake):
    assert greenapi.send_message(CHAT, "one") != greenapi.send_message(CHAT, "two")


def test_message_text_limit_is_checked_before_sending(fake):
    greenapi.send_message(CHAT, "x" * greenapi.MAX_MESSAGE_CHARS)

    with pytest.raises(ValueError, match="at most 20000"):
        greenapi.send_message(CHAT, "x" * (greenapi.MAX_MESSAGE_CHARS + 1))
    assert len(fake.requests) == 1


def test_buttons_payload(fake):
    buttons = [("1", "כן"), ("2", "לא"), ("3", "x" * 25)]

    message_id = greenapi.send_interactive_buttons_reply(
        CHAT, "Come tomorrow? Answer 1, 2 or 3", buttons, header="Fixi", footer="Reply by text too"
    )

    [call] = fake.requests
    assert call["path"] == api_path(fake, "sendInteractiveButtonsReply")
    assert call["json"] == {
        "chatId": CHAT,
        "header": "Fixi",
        "body": "Come tomorrow? Answer 1, 2 or 3",
        "footer": "Reply by text too",
        "buttons": [
            {"buttonId": "1", "buttonText": "כן"},
            {"buttonId": "2", "buttonText": "לא"},
            {"buttonId": "3", "buttonText": "x" * 25},
        ],
    }
    assert message_id == call["response"]["idMessage"]


def test_buttons_leave_out_empty_header_and_footer(fake):
    greenapi.send_interactive_buttons_reply(CHAT, "Pick one", [("yes", "Yes")])

    assert fake.requests[0]["json"] == {
        "chatId": CHAT,
        "body": "Pick one",
        "buttons": [{"buttonId": "yes", "buttonText": "Yes"}],
    }


@pytest.mark.parametrize(
    ("buttons", "message"),
    [
        ([("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")], "at most 3"),
        ([("1", "x" * 26)], "at most 25"),
        ([], "at least one"),
        ([("1", "")], "needs an id and a text"),
    ],
)
def test_button_limits_are_enforced_before_any_request(fake, buttons, message):
    with pytest.raises(ValueError, match=message):
        greenapi.send_interactive_buttons_reply(CHAT, "Pick one", buttons)

    assert fake.requests == []


def test_send_file_by_url_payload(fake):
    greenapi.send_file_by_url(CHAT, "https://example.com/quote.pdf", "quote.pdf", "Your quote")
    greenapi.send_file_by_url(CHAT, "https://example.com/map.png", "map.png")

    with_caption, without_caption = (call["json"] for call in fake.calls("sendFileByUrl"))
    assert with_caption == {
        "chatId": CHAT,
        "urlFile": "https://example.com/quote.pdf",
        "fileName": "quote.pdf",
        "caption": "Your quote",
    }
    assert "caption" not in without_caption
    assert fake.requests[0]["path"] == api_path(fake, "sendFileByUrl")


def test_file_name_needs_an_extension(fake):
    with pytest.raises(ValueError, match="extension"):
        greenapi.send_file_by_url(CHAT, "https://example.com/quote", "quote")
    assert fake.requests == []


def test_download_file_returns_the_download_url(fake):
    url = fake.add_incoming_file("BAE5PHOTO", "leak.jpg", b"\xff\xd8jpeg", "image/jpeg")

    assert greenapi.download_file(CHAT, "BAE5PHOTO") == url
    assert fake.requests[0]["json"] == {"chatId": CHAT, "idMessage": "BAE5PHOTO"}


def test_download_file_of_a_message_without_file_is_a_400(fake):
    error = raised(greenapi.download_file, CHAT, "BAE5TEXTONLY")

    assert (error.status, error.retryable) == (400, False)
    assert error.reason.startswith("400 Bad Request")


def test_get_state_instance(fake):
    assert greenapi.get_state_instance() == "authorized"

    fake.state_instance = "notAuthorized"

    assert greenapi.get_state_instance() == "notAuthorized"
    assert [c["http_method"] for c in fake.requests] == ["GET", "GET"]
    assert fake.requests[0]["path"] == api_path(fake, "getStateInstance")


# --- Errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(fake, status):
    fake.fail_next("sendMessage", status)

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.retry_after) == (status, True, None)
    assert error.reason.startswith(str(status))
    assert not error.ambiguous  # Green API answered: the message was not taken


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_may_have_been_sent(fake, status):
    # given a gateway that passed the send on and lost Green API's answer
    fake.fail_next("sendMessage", status, accept=True)

    error = raised(greenapi.send_message, CHAT, "hi")

    # then retrying may help, but the message may be on its way already
    assert (error.status, error.retryable, error.ambiguous) == (status, True, True)
    assert not error.instance_down
    assert [entry["chatId"] for entry in fake.accepted()] == [CHAT]


def test_a_starting_instance_refuses_for_now_not_for_good(fake):
    # given the reboot that follows setSettings
    fake.state_instance = "starting"

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.ambiguous) == (400, True, False)
    assert error.instance_down
    assert "instance in starting process try later" in error.reason
    assert fake.accepted() == []


def test_an_unauthorised_instance_refuses_until_it_is_scanned_again(fake):
    fake.state_instance = "notAuthorized"

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.ambiguous) == (400, True, False)
    assert error.instance_down
    assert "not authorized" in error.reason


def test_a_file_over_green_apis_limit_fails_for_good(fake):
    url = "https://example.com/video.mp4"
    fake.fail_next("sendFileByUrl", 500, body=file_too_large_body(url))

    error = raised(greenapi.send_file_by_url, CHAT, url, "video.mp4")

    assert (error.status, error.retryable, error.ambiguous) == (500, False, False)
    assert "exceeded max upload size" in error.reason


def test_a_file_gone_from_whatsapps_servers_fails_for_good(fake):
    fake.add_incoming_file("BAE5OLDPHOTO", "old.jpg", b"jpeg", "image/jpeg")
    fake.expired_files.add("BAE5OLDPHOTO")

    error = raised(greenapi.download_file, CHAT, "BAE5OLDPHOTO")

    assert (error.status, error.retryable) == (500, False)
    assert "Internal error when downloading file" in error.reason


def test_429_is_retryable_with_retry_after(fake):
    fake.fail_next("sendMessage", 429, headers={"Retry-After": "2"})

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.retry_after) == (429, True, 2.0)
    assert error.reason.startswith("429 Too Many Requests")
    assert not error.ambiguous


def test_retry_after_may_be_an_http_date(fake):
    later = datetime.now(UTC) + timedelta(seconds=30)
    fake.fail_next("sendMessage", 503, headers={"Retry-After": format_datetime(later, True)})

    error = raised(greenapi.send_message, CHAT, "hi")

    assert 25 <= error.retry_after <= 31


def test_429_without_retry_after(fake):
    fake.fail_next("sendMessage", 429)

    assert raised(greenapi.send_message, CHAT, "hi").retry_after is None


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_client_errors_are_not_retryable(fake, status):
    fake.fail_next("sendMessage", status, body={"code": status, "message": "nope"})

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable) == (status, False)
    assert error.reason.startswith(str(status))
    assert "nope" in error.reason


def test_deprecated_button_methods_answer_403(fake):
    error = raised(greenapi._call, "sendButtons", {"chatId": CHAT, "message": "x"})

    assert (error.status, error.retryable) == (403, False)


def test_quota_exceeded_names_the_invoke_status(fake):
    fake.fail_next("sendMessage", 466)

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable) == (466, False)
    assert error.reason == "466 quota exceeded (QUOTE_EXCEEDED)"


def test_the_chat_limit_of_the_developer_plan_names_the_correspondents_status(fake):
    # given the plan's limit of one chat, used by a first customer
    fake.correspondent_limit = 1
    greenapi.send_message(CHAT, "hi")

    error = raised(greenapi.send_message, "972509999999@c.us", "hi")

    # then the reason is the chat limit, not the method's quota (which is still allowed)
    assert (error.status, error.retryable) == (466, False)
    assert error.reason == (
        "466 quota exceeded (CORRESPONDENTS_QUOTE_EXCEEDED: 1 of 1 chats this month; "
        "only chats already written to can be reached)"
    )


def test_quota_exceeded_without_invoke_status(fake):
    fake.fail_next("sendMessage", 466, body="quota")

    assert raised(greenapi.send_message, CHAT, "hi").reason == "466 quota exceeded"


def test_wrong_token_is_a_401_that_retrying_cannot_fix(fake, settings):
    settings.GREEN_API_TOKEN = "not-the-token"

    error = raised(greenapi.get_state_instance)

    assert (error.status, error.retryable) == (401, False)


def test_wrong_instance_is_a_403(fake, settings):
    settings.GREEN_API_ID = "7103999999"

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable) == (403, False)


def test_read_timeout_is_retryable_without_status(fake, short_timeouts):
    fake.fail_next("sendMessage", 200, delay=1.0)

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.ambiguous) == (None, True, True)
    assert error.reason == "timeout after 0.2s"
    # The request arrived: a timed-out send may still be delivered, and here it is.
    assert len(fake.calls("sendMessage")) == 1
    fake.wait_until_idle()
    assert [entry["textMessage"] for entry in fake.accepted()] == ["hi"]


def test_a_connection_dropped_after_the_request_is_ambiguous(fake):
    fake.drop_next("sendMessage")

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable, error.ambiguous) == (None, True, True)
    assert error.reason == "connection failed: dropped before the answer"
    assert fake.calls("sendMessage")[0]["dropped"]
    assert fake.accepted() == []


def test_slow_answer_within_the_timeout_succeeds(fake):
    fake.fail_next("sendMessage", 200, delay=0.1)

    assert greenapi.send_message(CHAT, "hi").startswith("BAE5")


def test_connection_refused_is_retryable_without_status(settings):
    settings.GREEN_API_URL = f"http://127.0.0.1:{closed_port()}"
    settings.GREEN_API_ID, settings.GREEN_API_TOKEN = "1101000001", "secret-token-123"

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.status, error.retryable) == (None, True)
    assert error.reason.startswith("connection failed")
    assert not error.ambiguous  # nothing was listening: the message cannot have left


def test_a_connect_timeout_is_not_ambiguous(monkeypatch):
    def no_connection(*args, **kwargs):
        raise greenapi.requests.ConnectTimeout("connect timed out")

    monkeypatch.setattr(greenapi._session, "request", no_connection)
    monkeypatch.setattr(greenapi, "is_configured", lambda: True)

    error = raised(greenapi.send_message, CHAT, "hi")

    assert (error.retryable, error.ambiguous) == (True, False)
    assert error.reason.endswith("(connecting)")


def test_ok_answer_without_id_message_is_not_retryable(fake):
    fake.fail_next("sendMessage", 200, body={"status": "ok"})

    error = raised(greenapi.send_message, CHAT, "hi")

    assert not error.retryable
    assert error.reason.startswith("unexpected response")


def test_ok_answer_that_is_not_json(fake):
    fake.fail_next("getStateInstance", 200, body="<html>maintenance</html>")

    error = raised(greenapi.get_state_instance)

    assert not error.retryable
    assert error.reason.startswith("unexpected response")


# --- The journal of outgoing messages -----------------------------------------------------


def journal_shows_everything(fake):
    """Let the documented delay pass, so the journal lists all that was accepted."""
    fake.age(JOURNAL_DELAY_SECONDS)


def test_the_journal_lists_what_was_sent_in_the_documented_shapes(fake):
    text_id = greenapi.send_message(CHAT, "שלום")
    link_id = greenapi.send_message(CHAT, "Your quote: https://example.com/q")
    buttons_id = greenapi.send_interactive_buttons_reply(
        CHAT, "Approve?", [("1", "Yes")], header="New job", footer="or answer 1"
    )
    file_id = greenapi.send_file_by_url(CHAT, "https://example.com/q.pdf", "q.pdf", "Quote")
    journal_shows_everything(fake)

    entries = greenapi.last_outgoing_messages(minutes=5)

    [call] = fake.calls("lastOutgoingMessages")
    assert call["http_method"] == "GET"
    assert call["path"] == api_path(fake, "lastOutgoingMessages") + "?minutes=5"
    by_id = {entry["idMessage"]: entry for entry in entries}
    assert set(by_id) == {text_id, link_id, buttons_id, file_id}
    text, link, buttons, file = (by_id[i] for i in (text_id, link_id, buttons_id, file_id))
    assert {k: text[k] for k in ("type", "chatId", "typeMessage", "textMessage", "sendByApi")} == {
        "type": "outgoing",
        "chatId": CHAT,
        "typeMessage": "textMessage",
        "textMessage": "שלום",
        "sendByApi": True,
    }
    # a link makes an extended text message: the text is only inside its object
    assert link["typeMessage"] == "extendedTextMessage" and "textMessage" not in link
    assert link["extendedTextMessage"]["text"] == "Your quote: https://example.com/q"
    # buttons are nested under their type, with no text at the top
    assert buttons["typeMessage"] == "interactiveButtonsReply" and "textMessage" not in buttons
    assert buttons["interactiveButtonsReply"]["header"] == "New job"
    assert buttons["interactiveButtonsReply"]["body"] == "Approve?"
    assert buttons["interactiveButtonsReply"]["footer"] == "or answer 1"
    # a file has its link and caption, and the journal does not list its name
    assert (file["typeMessage"], file["caption"]) == ("documentMessage", "Quote")
    assert file["downloadUrl"] == "https://example.com/q.pdf"
    assert "fileName" not in file


def test_a_sent_message_shows_in_the_journal_only_after_a_while(fake):
    fake.journal_interval = 0  # this test reads more often than Green API allows
    greenapi.send_message(CHAT, "on my way")

    assert greenapi.last_outgoing_messages(minutes=5) == []
    fake.age(JOURNAL_DELAY_SECONDS - 5)
    assert greenapi.last_outgoing_messages(minutes=5) == []
    fake.age(5)
    assert [e["textMessage"] for e in greenapi.last_outgoing_messages(minutes=5)] == ["on my way"]


def test_the_journal_timestamp_is_the_last_action_on_the_message(fake):
    id_message = greenapi.send_message(CHAT, "on my way")
    fake.age(600)  # sent ten minutes ago
    fake.set_status(id_message, "read")  # and read just now

    [entry] = greenapi.last_outgoing_messages(minutes=15)

    assert entry["statusMessage"] == "read"
    assert abs(entry["timestamp"] - time.time()) < 5


def test_the_journal_answers_once_a_second(fake):
    greenapi.last_outgoing_messages(minutes=5)

    error = raised(greenapi.last_outgoing_messages, 5)

    assert (error.status, error.retryable) == (429, True)


def test_the_journal_covers_only_the_minutes_asked_for(fake):
    fake.journal_interval = 0
    greenapi.send_message(CHAT, "earlier")
    fake.age(600)
    greenapi.send_message(CHAT, "now")
    journal_shows_everything(fake)

    assert [e["textMessage"] for e in greenapi.last_outgoing_messages(minutes=5)] == ["now"]
    assert len(greenapi.last_outgoing_messages(minutes=13)) == 2


def test_a_dropped_send_is_not_in_the_journal(fake):
    fake.drop_next("sendMessage")

    raised(greenapi.send_message, CHAT, "lost")
    journal_shows_everything(fake)

    assert greenapi.last_outgoing_messages(minutes=5) == []


def test_a_journal_error_is_a_green_api_error(fake):
    fake.fail_next("lastOutgoingMessages", 503)

    error = raised(greenapi.last_outgoing_messages, 5)

    assert (error.status, error.retryable) == (503, True)


def test_a_journal_that_is_not_a_list_is_an_error(fake):
    fake.fail_next("lastOutgoingMessages", 200, body={"oops": True})

    error = raised(greenapi.last_outgoing_messages, 5)

    assert error.reason == "unexpected response: not a JSON array"


# --- The token stays secret ---------------------------------------------------------------


def test_token_is_masked_in_error_text(fake):
    fake.fail_next("sendMessage", 400, body=f"bad request to /sendMessage/{fake.token}")

    error = raised(greenapi.send_message, CHAT, "hi")

    assert fake.token not in error.reason
    assert "/sendMessage/***" in error.reason


def test_connection_error_carries_no_url_with_the_token(settings):
    settings.GREEN_API_URL = f"http://127.0.0.1:{closed_port()}"
    settings.GREEN_API_ID, settings.GREEN_API_TOKEN = "1101000001", "secret-token-123"

    error = raised(greenapi.send_message, CHAT, "hi")

    assert error.__context__ is None and error.__cause__ is None
    assert "secret-token-123" not in "".join(traceback.format_exception(error))


def test_each_call_is_logged_without_token_or_text(fake, caplog):
    fake.fail_next("sendMessage", 503)
    caplog.set_level(logging.INFO, logger="messaging.greenapi")

    with pytest.raises(GreenApiError):
        greenapi.send_message(CHAT, "private words")
    greenapi.get_state_instance()

    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[0].startswith("Green API sendMessage: 503 in ")
    assert lines[1].startswith("Green API getStateInstance: 200 in ")
    assert all(line.endswith(" ms") for line in lines)
    assert not any(fake.token in line or "private words" in line for line in lines)


# --- Media --------------------------------------------------------------------------------


def test_fetch_media_returns_content_and_type(fake):
    url = fake.add_incoming_file("BAE5VOICE", "voice.ogg", b"OggS" + b"\0" * 100, "audio/ogg")

    content, content_type = greenapi.fetch_media(url, max_bytes=104)

    assert content == b"OggS" + b"\0" * 100
    assert content_type == "audio/ogg"


def test_fetch_media_refuses_by_content_length_before_reading(fake):
    # The header claims 10 MB; the body is small, so only the header can cause a refusal.
    fake.media["big.jpg"] = FakeMedia(b"tiny", "image/jpeg", declared_length=10_000_000)

    error = raised(greenapi.fetch_media, fake.media_url("big.jpg"), max_bytes=1_000_000)

    assert not error.retryable
    assert error.reason == "file larger than 1000000 bytes"


def test_fetch_media_refuses_a_streamed_file_over_the_cap(fake):
    fake.media["video.mp4"] = FakeMedia(b"v" * 300_000, "video/mp4", send_length=False)

    error = raised(greenapi.fetch_media, fake.media_url("video.mp4"), max_bytes=200_000)

    assert not error.retryable
    assert error.reason == "file larger than 200000 bytes"


def test_fetch_media_without_length_within_the_cap(fake):
    fake.media["note.txt"] = FakeMedia(b"hello", "text/plain", send_length=False)

    assert greenapi.fetch_media(fake.media_url("note.txt"), max_bytes=5) == (b"hello", "text/plain")


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (500, True), (404, False)])
def test_fetch_media_http_errors(fake, status, retryable):
    fake.media["photo.jpg"] = (b"jpeg", "image/jpeg")
    fake.fail_next("media", status)

    error = raised(greenapi.fetch_media, fake.media_url("photo.jpg"), max_bytes=1000)

    assert (error.status, error.retryable) == (status, retryable)


def test_fetch_media_timeout_is_retryable(fake, short_timeouts):
    fake.media["photo.jpg"] = (b"jpeg", "image/jpeg")
    fake.fail_next("media", 200, delay=1.0)

    error = raised(greenapi.fetch_media, fake.media_url("photo.jpg"), max_bytes=1000)

    assert (error.status, error.retryable) == (None, True)
    assert error.reason == "timeout after 0.2s"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
