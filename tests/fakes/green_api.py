"""A fake Green API on a loopback port, for tests that run the real HTTP client.

Use the fixture (it points the GREEN_API_* settings at the fake and stops it afterwards):

    from tests.fakes.green_api import fake_green_api  # noqa: F401  (in a conftest.py)

    def test_reply(fake_green_api):
        greenapi.send_message("972501234567@c.us", "hi")
        assert fake_green_api.calls("sendMessage")[0]["json"]["message"] == "hi"

or `with FakeGreenApi() as fake:` outside pytest. It answers as
/work/shared/reference/green-api.md and Green API's documentation describe: unique
`idMessage`s for sends, 400 for bodies Green API would reject, 401 for a wrong token and
403 for a wrong instance id (the common errors), 403 for the deprecated button methods,
`downloadUrl`s that point at its own `/media/<name>`.

`sendFileByUpload` takes a form (multipart/form-data) with chatId, file, fileName and
caption, as Green API documents it for its media host, and answers `idMessage` and
`urlFile` (a link to the upload, which the fake then serves at `/media/<name>`); what was
uploaded is kept in `.uploads` by idMessage (chatId, fileName, caption, content,
content_type). A body that is not such a form is a 400, as is a file over 100 MB.

Every send it accepts goes into `.journal`, which `lastOutgoingMessages` serves as the
vendor documents it: entries carry type, idMessage, timestamp (the time of the *last
action* on the message: a status change moves it), statusMessage, typeMessage, chatId,
sendByApi and the payload of their type: `textMessage` for plain text, an
`extendedTextMessage` object for text with a link, an `interactiveButtonsReply` object
(header, body, footer, buttons) for quick-reply buttons, `downloadUrl` and `caption` for
files (no `fileName`: the journal does not list it). An entry shows up `journal_delay`
seconds after it was accepted (the documentation: "up to 2 minutes"), so by default a
test lets that time pass with `age(seconds)`. The journal answers at most once per
`journal_interval` seconds; a faster read is a 429, as Green API's rate limiter does.

The instance's state drives the answers: with `state_instance` "starting" every method
but getStateInstance answers 400 "instance in starting process try later"; with
"notAuthorized", 400 "instance account not authorized". `correspondent_limit` is the
Developer plan's chat limit (a send to one more chat is a 466 with `correspondentsStatus`).

`fail_next` injects errors and slow answers (a delay above the client's read timeout
is a timeout, and the message is still accepted once the delay is over, as a real
timeout goes; `accept=True` takes the message and still answers the error, as a
gateway that lost the answer does); `drop_next` hangs up without an answer and without
accepting anything. The documented error bodies are helpers below: `starting_body`,
`file_too_large_body`, `file_gone_body`, `correspondents_quota_body`.
`wait_until_idle` waits for requests still being handled (a delayed send).
"""

import email.parser
import email.policy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.loopback import LoopbackFake, OneShotHandler

MAX_MESSAGE_CHARS = 20_000
MAX_BUTTONS = 3
MAX_BUTTON_TEXT_CHARS = 25
DEPRECATED_METHODS = {"sendButtons", "sendTemplateButtons", "sendListMessage"}
GET_METHODS = {"getStateInstance", "lastOutgoingMessages"}
SEND_METHODS = {
    "sendMessage",
    "sendInteractiveButtonsReply",
    "sendInteractiveButtons",
    "sendFileByUrl",
    "sendFileByUpload",
}
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
JOURNAL_DEFAULT_MINUTES = 24 * 60
# The documentation: "The appearance of messages in the journal may take up to 2 minutes."
JOURNAL_DELAY_SECONDS = 120.0
# lastOutgoingMessages is rate limited to one request per second per instance.
JOURNAL_INTERVAL_SECONDS = 1.0
# Green API's common errors, as their error ids read.
STARTING = "instance in starting process try later"
NOT_AUTHORIZED = "instance account not authorized"
_FILE_TYPES = {
    "jpg": "imageMessage",
    "jpeg": "imageMessage",
    "png": "imageMessage",
    "webp": "imageMessage",
    "mp4": "videoMessage",
    "ogg": "audioMessage",
    "mp3": "audioMessage",
}
_LINK = re.compile(r"https?://", re.IGNORECASE)

_API_PATH = re.compile(r"^/waInstance(?P<instance>[^/]*)/(?P<method>[^/]+)/(?P<token>[^/]*)$")
_MEDIA_PATH = re.compile(r"^/media/(?P<name>[^/]+)$")
_CHAT_ID = re.compile(r"^[\d-]+@[cg]\.us$")


@dataclass
class FakeMedia:
    """A file served at /media/<name>.

    send_length=False leaves out Content-Length (the body ends when the connection
    closes), so a client can only learn the size by reading; declared_length sends a
    Content-Length that differs from the real size.
    """

    content: bytes
    content_type: str = "application/octet-stream"
    send_length: bool = True
    declared_length: int | None = None


@dataclass
class _Failure:
    status: int
    body: object = None
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    drop: bool = False
    accept: bool = False


_DROPPED = object()  # the handler closes the connection without an answer


def quota_exceeded_body(method: str = "sendMessage") -> dict:
    """The 466 of a method whose monthly quota is used up (invokeStatus form)."""
    return {
        "invokeStatus": {
            "method": method,
            "used": 3,
            "total": 3,
            "status": "QUOTE_EXCEEDED",
            "description": "Monthly quota has been exceeded. You can send messages only to "
            "3 correspondents.",
        }
    }


def correspondents_quota_body(chats: list[str], method: str = "sendmessage") -> dict:
    """The 466 of the Developer plan's chat limit: the method itself is still allowed,
    the chat is not (correspondentsStatus form)."""
    return {
        "invokeStatus": {"method": method, "used": 67, "total": 0, "status": "QUOTE_ALLOWED"},
        "correspondentsStatus": {
            "method": "correspondents",
            "used": len(chats),
            "total": len(chats),
            "status": "CORRESPONDENTS_QUOTE_EXCEEDED",
            "description": "Monthly quota has been exceeded. You can only send or receive "
            f"messages from these numbers: {','.join(chats)}. Please go to your personal "
            "account and change the tariff to business https://console.green-api.com",
        },
    }


def error_body(status: int, description: str = "") -> dict:
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = ""
    return {"code": status, "message": message, "description": description}


def documented_error(status: int, error_id: str) -> dict:
    """An error whose documented id is the message, e.g. 400 STARTING."""
    return {"code": status, "message": error_id, "description": error_id}


def starting_body() -> dict:
    """400 while the instance starts or restarts (after setSettings, a reboot)."""
    return documented_error(400, STARTING)


def not_authorized_body() -> dict:
    return documented_error(400, NOT_AUTHORIZED)


def file_too_large_body(url: str, megabytes: int = 120) -> dict:
    """500 of sendFileByUrl for a file above Green API's 100 MB limit."""
    return documented_error(
        500,
        f"File from url exceeded max upload size. Size: {megabytes}mb Limit: 100mb Url: {url}",
    )


def file_gone_body(chat_id: str, message_id: str) -> dict:
    """500 of downloadFile for a file WhatsApp no longer keeps on its servers."""
    return documented_error(
        500,
        f"Internal error when downloading file by chatId {chat_id} and idMessage {message_id}",
    )


class FakeGreenApi(LoopbackFake):
    """One Green API instance. Read `.requests`; change `.state_instance`, `.media`."""

    def __init__(self, instance_id: str = "1101000001", token: str | None = None):
        super().__init__()
        self.instance_id = instance_id
        self.token = token or f"tok{secrets.token_hex(16)}"
        # One dict per request: method ("media" for /media/, None for unknown paths),
        # http_method, path, json, headers, time (time.monotonic()), then status and
        # response once answered.
        self.requests: list[dict] = []
        # name -> FakeMedia or (content, content_type), served at /media/<name>.
        self.media: dict[str, FakeMedia | tuple[bytes, str]] = {}
        # idMessage of an incoming message -> name in .media (for downloadFile).
        self.files: dict[str, str] = {}
        # idMessages of incoming files WhatsApp no longer keeps (downloadFile answers 500).
        self.expired_files: set[str] = set()
        # idMessage -> what sendFileByUpload received: chatId, fileName, caption, content,
        # content_type.
        self.uploads: dict[str, dict] = {}
        # Every accepted send, oldest first, in the journal's shape (see the module's
        # docstring); lastOutgoingMessages serves those older than journal_delay.
        self.journal: list[dict] = []
        self.journal_delay = JOURNAL_DELAY_SECONDS
        self.journal_interval = JOURNAL_INTERVAL_SECONDS
        self.state_instance = "authorized"
        # The Developer plan's limit of chats a month (None: no limit).
        self.correspondent_limit: int | None = None
        self._accepted_at: dict[str, float] = {}  # idMessage -> when it was accepted
        self._last_journal_read: float | None = None
        self._failures: dict[str, list[_Failure]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- Test controls ---

    def fail_next(
        self,
        method: str,
        status: int,
        times: int = 1,
        body: object = None,
        delay: float = 0.0,
        headers: dict | None = None,
        accept: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` ("media" for downloads) with `status`.

        `body` (dict, str or bytes) replaces the default error body. A status of 200 with
        no body only delays the normal answer by `delay` seconds. `accept=True` handles
        the call as usual (a send is accepted and journaled) and answers the error all the
        same: the request went through and its answer was lost on the way back.
        """
        failure = _Failure(status, body, delay, dict(headers or {}), accept=accept)
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def drop_next(self, method: str, times: int = 1, delay: float = 0.0) -> None:
        """Read the next `times` calls of `method`, wait `delay` seconds, then close the
        connection without an answer. Nothing is accepted: no send reaches the journal."""
        failure = _Failure(0, delay=delay, drop=True)
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def accepted(self) -> list[dict]:
        """The journal: every message accepted so far, shown or not yet."""
        with self._lock:
            return list(self.journal)

    def age(self, seconds: float) -> None:
        """Let `seconds` pass for everything accepted so far: it was accepted (and last
        acted on) that much earlier, so the journal shows it once journal_delay is past."""
        with self._lock:
            for entry in self.journal:
                entry["timestamp"] = int(entry["timestamp"] - seconds)
                self._accepted_at[entry["idMessage"]] -= seconds

    def set_status(self, id_message: str, status: str) -> None:
        """The message was delivered or read now: its statusMessage changes and its
        journal timestamp (the time of the last action) moves to now."""
        with self._lock:
            for entry in self.journal:
                if entry["idMessage"] == id_message:
                    entry["statusMessage"] = status
                    entry["timestamp"] = int(time.time())

    def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Wait until no request is being handled, e.g. a delayed send has been accepted
        after its client gave up."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError(f"{self._in_flight} requests still being handled")

    def add_incoming_file(
        self, message_id: str, name: str, content: bytes, content_type: str
    ) -> str:
        """Register an incoming message with a file; returns its download URL."""
        self.media[name] = FakeMedia(content, content_type)
        self.files[message_id] = name
        return self.media_url(name)

    def media_url(self, name: str) -> str:
        return f"{self.url}/media/{name}"

    def calls(self, method: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["method"] == method]

    # --- Server side ---

    def _record(self, record: dict) -> None:
        with self._lock:
            self.requests.append(record)

    def _handling(self, delta: int) -> None:
        with self._idle:
            self._in_flight += delta
            self._idle.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    def _answer(self, method: str, http_method: str, body, query: dict) -> tuple[int, object]:
        if method in DEPRECATED_METHODS:
            return 403, error_body(403, f"{method} is deprecated")
        handler = {
            "sendMessage": self._send_message,
            "sendInteractiveButtonsReply": self._send_buttons,
            "sendInteractiveButtons": lambda b: self._send_buttons(b, "interactiveButtons"),
            "sendFileByUrl": self._send_file_by_url,
            "sendFileByUpload": self._send_file_by_upload,
            "downloadFile": self._download_file,
            "getStateInstance": self._get_state_instance,
            "lastOutgoingMessages": lambda _body: self._last_outgoing_messages(query),
        }.get(method)
        if handler is None:
            return 404, error_body(404, f"unknown method {method}")
        if http_method != ("GET" if method in GET_METHODS else "POST"):
            return 405, error_body(405)
        if method != "getStateInstance" and self.state_instance == "starting":
            return 400, starting_body()
        if method != "getStateInstance" and self.state_instance == "notAuthorized":
            return 400, not_authorized_body()
        if http_method == "POST" and not isinstance(body, dict):
            return 400, error_body(400, "body must be a JSON object")
        if method in SEND_METHODS and (refused := self._over_correspondent_limit(body)):
            return 466, refused
        return handler(body)

    def _over_correspondent_limit(self, body: dict) -> dict | None:
        if self.correspondent_limit is None:
            return None
        with self._lock:
            chats = list(dict.fromkeys(entry["chatId"] for entry in self.journal))
        if body.get("chatId") in chats or len(chats) < self.correspondent_limit:
            return None
        return correspondents_quota_body(chats)

    def _send_message(self, body: dict) -> tuple[int, dict]:
        message = body.get("message")
        if not isinstance(message, str) or not message:
            return 400, error_body(400, "message is required")
        if len(message) > MAX_MESSAGE_CHARS:
            return 400, error_body(400, f"message is longer than {MAX_MESSAGE_CHARS}")
        if _LINK.search(message) and body.get("linkPreview", True):
            # A link makes it an extended text message: the text is inside that object.
            extended = {
                "text": message,
                "description": "",
                "title": "",
                "previewType": "None",
                "jpegThumbnail": "",
                "forwardingScore": 0,
                "isForwarded": False,
            }
            return self._sent(
                body, {"typeMessage": "extendedTextMessage", "extendedTextMessage": extended}
            )
        return self._sent(body, {"typeMessage": "textMessage", "textMessage": message})

    def _send_buttons(self, body: dict, kind: str = "interactiveButtonsReply") -> tuple[int, dict]:
        buttons = body.get("buttons")
        if not body.get("body") or not isinstance(buttons, list):
            return 400, error_body(400, "body and buttons are required")
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            return 400, error_body(400, f"from 1 to {MAX_BUTTONS} buttons")
        for button in buttons:
            if not isinstance(button, dict) or not button.get("buttonId"):
                return 400, error_body(400, "buttonId is required")
            text = button.get("buttonText")
            if not isinstance(text, str) or not text or len(text) > MAX_BUTTON_TEXT_CHARS:
                return 400, error_body(400, f"buttonText up to {MAX_BUTTON_TEXT_CHARS} chars")
        # The journal nests the message under its type, as the outgoing-message
        # notification documents it: header, body, footer, buttons.
        nested = {key: body[key] for key in ("header", "body", "footer") if body.get(key)}
        nested["buttons"] = [
            {"type": "reply", "buttonId": str(b["buttonId"]), "buttonText": b["buttonText"]}
            for b in buttons
        ]
        return self._sent(body, {"typeMessage": kind, kind: nested})

    def _send_file_by_url(self, body: dict) -> tuple[int, dict]:
        if not body.get("urlFile") or "." not in str(body.get("fileName", "")):
            return 400, error_body(400, "urlFile and fileName with extension are required")
        extension = str(body["fileName"]).rpartition(".")[2].lower()
        entry = {
            "typeMessage": _FILE_TYPES.get(extension, "documentMessage"),
            "downloadUrl": str(body["urlFile"]),
            "caption": str(body.get("caption") or ""),
        }
        return self._sent(body, entry)

    def _send_file_by_upload(self, body: dict) -> tuple[int, dict]:
        upload = body.get("file")
        if not isinstance(upload, _Upload):
            return 400, error_body(400, "file is required (a form field)")
        file_name = str(body.get("fileName") or upload.file_name)
        if "." not in file_name:
            return 400, error_body(400, "fileName with extension is required")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            return 400, error_body(400, "File exceeded max upload size. Limit: 100mb")
        name = f"upload-{secrets.token_hex(6)}-{file_name}"
        self.media[name] = FakeMedia(upload.content, upload.content_type)
        extension = file_name.rpartition(".")[2].lower()
        entry = {
            "typeMessage": _FILE_TYPES.get(extension, "documentMessage"),
            "downloadUrl": self.media_url(name),
            "caption": str(body.get("caption") or ""),
        }
        status, answer = self._sent(body, entry)
        if status == 200:
            answer["urlFile"] = entry["downloadUrl"]
            with self._lock:
                self.uploads[answer["idMessage"]] = {
                    "chatId": body["chatId"],
                    "fileName": file_name,
                    "caption": entry["caption"],
                    "content": upload.content,
                    "content_type": upload.content_type,
                }
        return status, answer

    def _sent(self, body: dict, entry: dict) -> tuple[int, dict]:
        if not _CHAT_ID.match(str(body.get("chatId", ""))):
            return 400, error_body(400, "chatId is invalid")
        id_message = f"BAE5{secrets.token_hex(6).upper()}"
        now = time.time()
        with self._lock:
            self._accepted_at[id_message] = now
            self.journal.append(
                {
                    "type": "outgoing",
                    "idMessage": id_message,
                    "timestamp": int(now),
                    "statusMessage": "sent",
                    "chatId": body["chatId"],
                    "sendByApi": True,
                    "isForwarded": False,
                    "forwardingScore": 0,
                    **entry,
                }
            )
        return 200, {"idMessage": id_message}

    def _last_outgoing_messages(self, query: dict) -> tuple[int, object]:
        minutes = query.get("minutes", [str(JOURNAL_DEFAULT_MINUTES)])[-1]
        if not minutes.isdigit() or int(minutes) < 1:
            return 400, error_body(400, "minutes must be a positive integer")
        now = time.time()
        with self._lock:
            last, self._last_journal_read = self._last_journal_read, time.monotonic()
            if last is not None and self._last_journal_read - last < self.journal_interval:
                return 429, error_body(429, "Too Many Requests")
            since = now - int(minutes) * 60
            shown = [
                dict(entry)
                for entry in self.journal
                if entry["timestamp"] >= since
                and self._accepted_at.get(entry["idMessage"], now) + self.journal_delay <= now
            ]
        return 200, shown

    def _download_file(self, body: dict) -> tuple[int, dict]:
        message_id = str(body.get("idMessage"))
        if message_id in self.expired_files:
            return 500, file_gone_body(str(body.get("chatId")), message_id)
        name = self.files.get(message_id)
        if name is None or name not in self.media:
            return 400, error_body(400, "message has no file")
        return 200, {"downloadUrl": self.media_url(name)}

    def _get_state_instance(self, body) -> tuple[int, dict]:
        return 200, {"stateInstance": self.state_instance}


@dataclass
class _Upload:
    """A file part of a form."""

    file_name: str
    content: bytes
    content_type: str


def _form(content_type: str, raw: bytes) -> dict | None:
    """The fields of a multipart/form-data body (a file part as an _Upload), or None when
    it is not one."""
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
    if not message.is_multipart():
        return None
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        content = part.get_payload(decode=True) or b""
        file_name = part.get_filename()
        if file_name is None:
            fields[name] = content.decode()
        else:
            fields[name] = _Upload(file_name, content, part.get_content_type())
    return fields


class _Handler(OneShotHandler):
    server_version = "FakeGreenApi/1.0"

    def _handle(self) -> None:
        fake = self.server.fake
        fake._handling(+1)
        try:
            self._handle_request(fake)
        finally:
            fake._handling(-1)

    def _handle_request(self, fake) -> None:
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            # Only the upload takes a form; every other method wants JSON.
            form = _form(content_type, raw) if "/sendFileByUpload/" in path else None
            body = ... if form is None else form
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = ...  # not JSON: answered with 400 below
        media, api = _MEDIA_PATH.match(path), _API_PATH.match(path)
        method = "media" if media else (api["method"] if api else None)
        record = {
            "method": method,
            "http_method": self.command,
            "path": self.path,
            "json": None if body is ... or content_type.startswith("multipart/") else body,
            "form": body if content_type.startswith("multipart/") and body is not ... else None,
            "query": parse_qs(urlsplit(self.path).query),
            "headers": dict(self.headers),
            "time": time.monotonic(),
        }
        fake._record(record)
        status, answer, headers = self._route(fake, media, api, method, body)
        if status is None:
            return  # stopping during an injected delay
        if status is _DROPPED:
            record["dropped"] = True
            self.close_connection = True
            return
        record["status"], record["response"] = status, answer
        if isinstance(answer, FakeMedia):
            self._send_media(answer)
        else:
            self._send(status, answer, headers)

    def _route(self, fake, media, api, method, body):
        if api and api["instance"] != fake.instance_id:
            return 403, error_body(403, "check the idInstance"), {}
        if api and api["token"] != fake.token:
            return 401, error_body(401, "wrong apiTokenInstance"), {}
        if not (media or api):
            return 404, error_body(404), {}
        failure = fake._take_failure(method)
        if failure:
            if failure.delay and fake._stopping.wait(failure.delay):
                return None, None, None
            if failure.drop:
                return _DROPPED, None, None
            if failure.accept:
                self._answer_normally(fake, media, method, body)
            if failure.status != 200 or failure.body is not None:
                default = quota_exceeded_body(method) if failure.status == 466 else None
                answer = failure.body if failure.body is not None else default
                return failure.status, answer or error_body(failure.status), failure.headers
        return self._answer_normally(fake, media, method, body)

    def _answer_normally(self, fake, media, method, body):
        if media:
            item = fake.media.get(media["name"])
            if item is None:
                return 404, error_body(404, "no such file"), {}
            return 200, item if isinstance(item, FakeMedia) else FakeMedia(*item), {}
        if body is ...:
            return 400, error_body(400, "body is not JSON"), {}
        query = parse_qs(urlsplit(self.path).query)
        status, answer = fake._answer(method, self.command, body, query)
        return status, answer, {}

    def _send(self, status: int, answer, headers: dict) -> None:
        if isinstance(answer, bytes):
            data, content_type = answer, "application/octet-stream"
        elif isinstance(answer, str):
            data, content_type = answer.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def _send_media(self, media: FakeMedia) -> None:
        self.send_response(200)
        self.send_header("Content-Type", media.content_type)
        if media.send_length:
            length = media.declared_length
            self.send_header(
                "Content-Length", str(len(media.content) if length is None else length)
            )
        self.end_headers()
        self.wfile.write(media.content)


@pytest.fixture
def fake_green_api(settings):
    """A running FakeGreenApi with the GREEN_API_* settings pointing at it."""
    with FakeGreenApi() as fake:
        settings.GREEN_API_URL = fake.url
        settings.GREEN_API_MEDIA_URL = fake.url
        settings.GREEN_API_ID = fake.instance_id
        settings.GREEN_API_TOKEN = fake.token
        yield fake


FakeGreenApi.handler_class = _Handler
