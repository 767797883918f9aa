"""Green API client: the only module in Fixi that speaks HTTP to Green API.

Each call builds `{GREEN_API_URL}/waInstance{GREEN_API_ID}/{method}/{GREEN_API_TOKEN}` from
settings at call time (an upload goes to GREEN_API_MEDIA_URL instead), uses explicit
(connect, read) timeouts, logs one line with the method, HTTP status and duration, and
turns every failure into a `GreenApiError` that
says whether trying again can help and whether the request may have taken effect anyway.
Nothing here retries: Green API has no idempotency key, so a retried send may deliver
twice, and only the caller knows what it recorded. `last_outgoing_messages` reads the
journal of what the instance sent, so a caller can check before sending again.

The token is part of every URL, so it never appears in log lines or error text, and
errors are raised outside `except` blocks so that no chained requests exception (whose
message carries the URL) travels with them.
"""

import logging
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from django.conf import settings
from urllib3.exceptions import NewConnectionError

log = logging.getLogger(__name__)

# Seconds. Module constants rather than settings: tests lower them with monkeypatch.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
# Between two chunks of a media download, not for the whole file.
MEDIA_READ_TIMEOUT = 30.0
# Green API answers an upload once it holds the whole file.
UPLOAD_READ_TIMEOUT = 60.0
MEDIA_CHUNK_BYTES = 64 * 1024

MAX_MESSAGE_CHARS = 20_000
MAX_CAPTION_CHARS = 20_000
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # Green API's limit for a file sent
MAX_BUTTONS = 3
MAX_BUTTON_TEXT_CHARS = 25

_ERROR_BODY_CHARS = 200

# Green API's documented error ids (common errors, method pages), matched in the body
# whatever its form (JSON or text). A 400 for an instance that is starting or not
# authorised is a refusal for now, not for good.
_INSTANCE_DOWN_400 = (
    "instance in starting process try later",
    "instance is starting or not authorized",
    "instance account not authorized",
)
# The 500s that say the request can never succeed: a file above the 100 MB limit, a
# request body above 100 kB, a file WhatsApp no longer keeps on its servers.
_PERMANENT_500 = (
    "file from url exceeded max upload size",
    "request entity too large",
    "internal error when downloading file",
)
# A gateway that gave up waiting, or got no valid answer from behind it, may have
# passed the request on: whatever it was may have happened.
_AMBIGUOUS_STATUSES = {HTTPStatus.BAD_GATEWAY, HTTPStatus.GATEWAY_TIMEOUT}

_session = requests.Session()


class GreenApiError(Exception):
    """A failed Green API call; `retryable` says whether the same call may succeed later.

    `ambiguous` means the request may have reached Green API and taken effect (a read
    timeout, a connection dropped after the request was written, a gateway that gave up
    or lost the answer): a send that failed this way may still be delivered.
    `instance_down` means the WhatsApp instance refused because it is starting or not
    authorised: nothing was taken, and the same call succeeds once it is up again.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        ambiguous: bool = False,
        instance_down: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.ambiguous = ambiguous
        self.instance_down = instance_down


def is_configured() -> bool:
    return bool(settings.GREEN_API_ID and settings.GREEN_API_TOKEN)


# --- Calls ------------------------------------------------------------------------------


def send_message(chat_id: str, text: str, quoted_message_id: str | None = None) -> str:
    """Send a text message; returns Green API's idMessage."""
    if not text:
        raise ValueError("message text is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValueError(
            f"message text is {len(text)} characters; Green API accepts at most {MAX_MESSAGE_CHARS}"
        )
    payload = {"chatId": chat_id, "message": text}
    if quoted_message_id:
        payload["quotedMessageId"] = quoted_message_id
    return _id_message(_call("sendMessage", payload))


def send_interactive_buttons_reply(
    chat_id: str,
    body: str,
    buttons: list[tuple[str, str]],
    header: str = "",
    footer: str = "",
) -> str:
    """Send quick-reply buttons, given as (id, text); returns idMessage.

    Buttons do not render on every WhatsApp client, so `body` must also be answerable
    by text (a numbered choice or a plain word).
    """
    _check_buttons(buttons)
    payload = {"chatId": chat_id}
    if header:
        payload["header"] = header
    payload["body"] = body
    if footer:
        payload["footer"] = footer
    payload["buttons"] = [
        {"buttonId": str(button_id), "buttonText": text} for button_id, text in buttons
    ]
    return _id_message(_call("sendInteractiveButtonsReply", payload))


def send_file_by_url(chat_id: str, url: str, file_name: str, caption: str = "") -> str:
    """Send a file that Green API fetches from `url`; returns idMessage."""
    _check_file(file_name, caption)
    payload = {"chatId": chat_id, "urlFile": url, "fileName": file_name}
    if caption:
        payload["caption"] = caption
    return _id_message(_call("sendFileByUrl", payload))


def send_file_by_upload(
    chat_id: str, content: bytes, file_name: str, caption: str = "", mime_type: str = ""
) -> str:
    """Send a file by uploading its bytes (a form post to the media host), for a file no
    one outside can fetch; returns idMessage. Green API keeps the upload for 15 days and
    shows a caption under images and videos only."""
    _check_file(file_name, caption)
    if not content:
        raise ValueError(f"file {file_name!r} is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"file {file_name!r} is {len(content)} bytes; Green API accepts at most "
            f"{MAX_UPLOAD_BYTES}"
        )
    fields = {"chatId": chat_id, "fileName": file_name}
    if caption:
        fields["caption"] = caption
    upload = {"file": (file_name, content, mime_type or "application/octet-stream")}
    status, data = _request(
        "sendFileByUpload",
        fields,
        host=settings.GREEN_API_MEDIA_URL,
        files=upload,
        read_timeout=UPLOAD_READ_TIMEOUT,
    )
    if not isinstance(data, dict):
        raise GreenApiError("unexpected response: not a JSON object", status=status)
    return _id_message(data)


def download_file(chat_id: str, message_id: str) -> str:
    """The download URL of an incoming message's file (a 400 if it has none)."""
    data = _call("downloadFile", {"chatId": chat_id, "idMessage": message_id})
    return _required_text(data, "downloadUrl")


def get_state_instance() -> str:
    """The instance's state: authorized, notAuthorized, blocked, sleepMode, starting, ..."""
    return _required_text(_call("getStateInstance"), "stateInstance")


def last_outgoing_messages(minutes: int) -> list[dict]:
    """What the instance sent in the last `minutes`, as Green API's journal lists it:
    dicts with type, idMessage, timestamp, statusMessage, chatId, typeMessage, sendByApi
    and the payload of their type (textMessage; an extendedTextMessage object; an
    interactiveButtons(Reply) object; downloadUrl and caption for files, without the
    file's name). `timestamp` is the time of the last action on the message (a delivery,
    a read), not when it was sent. Messages can take up to 2 minutes to appear, and
    Green API answers this method at most once a second per instance (429 beyond).
    """
    if minutes < 1:
        raise ValueError(f"minutes must be at least 1, not {minutes}")
    status, data = _request("lastOutgoingMessages", params={"minutes": int(minutes)})
    if not isinstance(data, list):
        raise GreenApiError("unexpected response: not a JSON array", status=status)
    return [entry for entry in data if isinstance(entry, dict)]


def fetch_media(url: str, max_bytes: int) -> tuple[bytes, str]:
    """Download an inbound file's content and content type, refusing more than max_bytes.

    The download URL works without credentials, so it is treated like one: not logged.
    No redirect is followed (a 3xx is a GreenApiError with its status): a link to a file
    must not lead the server to another address, one inside its own network included.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("media URL must be http or https")
    started = time.monotonic()
    status = None
    content, content_type, error = b"", "", None
    try:
        with _session.get(
            url, stream=True, timeout=(CONNECT_TIMEOUT, MEDIA_READ_TIMEOUT), allow_redirects=False
        ) as response:
            status = response.status_code
            if not 200 <= status < 300:
                error = _status_error(response, include_body=False)
            else:
                content_type = response.headers.get("Content-Type") or "application/octet-stream"
                content, error = _read_capped(response, max_bytes)
    except requests.RequestException as exc:
        error = _transport_error(exc, MEDIA_READ_TIMEOUT)
    _log_call("media download", status, error, started, size=len(content))
    if error:
        raise error
    return content, content_type


# --- Plumbing ---------------------------------------------------------------------------


def _check_file(file_name: str, caption: str) -> None:
    stem, _, extension = file_name.rpartition(".")
    if not stem or not extension:
        # WhatsApp picks the file type from the extension.
        raise ValueError(f"file name {file_name!r} needs an extension")
    if len(caption) > MAX_CAPTION_CHARS:
        raise ValueError(
            f"caption is {len(caption)} characters; Green API accepts at most {MAX_CAPTION_CHARS}"
        )


def _check_buttons(buttons: list[tuple[str, str]]) -> None:
    if not buttons:
        raise ValueError("a button message needs at least one button")
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(buttons)} buttons given; Green API accepts at most {MAX_BUTTONS}")
    for button_id, text in buttons:
        if not str(button_id) or not text:
            raise ValueError(f"button ({button_id!r}, {text!r}) needs an id and a text")
        if len(text) > MAX_BUTTON_TEXT_CHARS:
            raise ValueError(
                f"button text {text!r} is {len(text)} characters; "
                f"Green API accepts at most {MAX_BUTTON_TEXT_CHARS}"
            )


def _call(method: str, payload: dict | None = None) -> dict:
    """POST payload (GET when there is none) to a method; returns the JSON object answered."""
    status, data = _request(method, payload)
    if not isinstance(data, dict):
        raise GreenApiError("unexpected response: not a JSON object", status=status)
    return data


def _request(
    method: str,
    payload: dict | None = None,
    params: dict | None = None,
    *,
    host: str = "",
    files: dict | None = None,
    read_timeout: float | None = None,
):
    """POST payload (GET when there is none) to a method; returns the HTTP status and the
    decoded JSON answer (None for a body that is not JSON). With `files` the payload's
    fields and the files go as a form (multipart/form-data), else the payload as JSON."""
    if not is_configured():
        raise GreenApiError("Green API is not configured (GREEN_API_ID, GREEN_API_TOKEN)")
    url = (
        f"{(host or settings.GREEN_API_URL).rstrip('/')}/waInstance{settings.GREEN_API_ID}"
        f"/{method}/{settings.GREEN_API_TOKEN}"
    )
    read_timeout = read_timeout or READ_TIMEOUT
    body = {"data": payload, "files": files} if files else {"json": payload}
    started = time.monotonic()
    response, error = None, None
    try:
        response = _session.request(
            "GET" if payload is None else "POST",
            url,
            params=params,
            timeout=(CONNECT_TIMEOUT, read_timeout),
            allow_redirects=False,
            **body,
        )
    except requests.RequestException as exc:
        error = _transport_error(exc, read_timeout)
    if response is not None and not 200 <= response.status_code < 300:
        error = _status_error(response)
    _log_call(method, response.status_code if response is not None else None, error, started)
    if error:
        raise error
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def _id_message(data: dict) -> str:
    return _required_text(data, "idMessage")


def _required_text(data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        # The call may have taken effect (a send may be queued), so retrying is not safe.
        raise GreenApiError(f"unexpected response: no {key}", status=200)
    return value


def _read_capped(response, max_bytes: int) -> tuple[bytes, GreenApiError | None]:
    too_large = GreenApiError(f"file larger than {max_bytes} bytes", status=response.status_code)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return b"", too_large
    chunks, size = [], 0
    # Counted after decompression, so a small gzip body cannot unpack into a huge file.
    for chunk in response.iter_content(MEDIA_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            return b"", too_large
        chunks.append(chunk)
    return b"".join(chunks), None


def _status_error(response, include_body: bool = True) -> GreenApiError:
    status = response.status_code
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if status == 466:
        quota = _quota_status(response)
        reason = f"466 quota exceeded ({quota})" if quota else "466 quota exceeded"
        return GreenApiError(reason, status=status, retry_after=retry_after)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = response.reason or "error"
    reason = f"{status} {phrase}"
    body = " ".join(response.text.split()) if include_body else ""
    detail = _mask(body)[:_ERROR_BODY_CHARS]
    if detail:
        reason += f": {detail}"
    said = body.lower()
    instance_down = status == 400 and any(error_id in said for error_id in _INSTANCE_DOWN_400)
    permanent = status == 500 and any(error_id in said for error_id in _PERMANENT_500)
    return GreenApiError(
        reason,
        status=status,
        retryable=instance_down or status == 429 or (status >= 500 and not permanent),
        retry_after=retry_after,
        ambiguous=status in _AMBIGUOUS_STATUSES,
        instance_down=instance_down,
    )


def _quota_status(response) -> str:
    """Which limit a 466 names. The chat limit of the Developer plan comes as a
    correspondentsStatus beside an invokeStatus that still reads QUOTE_ALLOWED, so the
    chat limit is named first when it is the one used up."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    chats = data.get("correspondentsStatus")
    if isinstance(chats, dict) and _exceeded(chats.get("status")):
        return (
            f"{chats['status']}: {chats.get('used', '?')} of {chats.get('total', '?')} chats "
            "this month; only chats already written to can be reached"
        )
    invoke = data.get("invokeStatus")
    status = invoke.get("status") if isinstance(invoke, dict) else None
    return status if isinstance(status, str) else ""


def _exceeded(status) -> bool:
    return isinstance(status, str) and "EXCEEDED" in status.upper()


def _retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _transport_error(exc: requests.RequestException, read_timeout: float) -> GreenApiError:
    if isinstance(exc, requests.ConnectTimeout):
        return GreenApiError(f"timeout after {CONNECT_TIMEOUT:g}s (connecting)", retryable=True)
    if isinstance(exc, requests.Timeout):
        return GreenApiError(f"timeout after {read_timeout:g}s", retryable=True, ambiguous=True)
    cause = re.search(r"\[Errno -?\d+\] [^'\")]+", str(exc))
    detail = _mask(cause.group(0)) if cause else type(exc).__name__
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        if _never_connected(exc):
            return GreenApiError(f"connection failed: {detail}", retryable=True)
        if not cause:
            detail = "dropped before the answer"
        return GreenApiError(f"connection failed: {detail}", retryable=True, ambiguous=True)
    return GreenApiError(f"request failed: {detail}")


def _never_connected(exc: requests.RequestException) -> bool:
    """True only when no connection was made (refused, unreachable, name not found), so
    the request cannot have left. Anything else may have been written and processed."""
    inner = exc.args[0] if exc.args else None
    return isinstance(getattr(inner, "reason", None), NewConnectionError)


def _mask(text: str) -> str:
    token = settings.GREEN_API_TOKEN
    return text.replace(token, "***") if token else text


def _log_call(method, status, error, started, size=None) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    outcome = status if status is not None else (error.reason if error else "-")
    if size is None:
        log.info("Green API %s: %s in %.0f ms", method, outcome, elapsed_ms)
    else:
        log.info("Green API %s: %s, %d bytes in %.0f ms", method, outcome, size, elapsed_ms)
