"""A fake Gemini API on a loopback port, for tests that run the real google-genai SDK.

Use the fixture (it points GEMINI_API_KEY, GEMINI_BASE_URL and AI_MODELS at the fake,
resets it, and forgets model health in `ai.gemini` before and after; one server serves the
whole run):

    from tests.fakes.gemini import fake_gemini  # noqa: F401  (in a conftest.py)

    def test_dispatch(fake_gemini):
        fake_gemini.fail(MODELS[0], 429)
        fake_gemini.respond(MODELS[1], {"issue_type": "plumbing", ...})
        ...
        assert fake_gemini.calls()[0]["path"].startswith("/v1beta/models/")

or `with FakeGemini() as fake:` outside pytest. It answers as
/work/shared/reference/gemini.md describes:

- `POST /{v1|v1beta}/models/{model}:generateContent`: the key in `x-goog-api-key` (400
  INVALID_ARGUMENT for a wrong one, 403 PERMISSION_DENIED for none, like the real API);
  parts in camelCase or snake_case (`inlineData`/`inline_data`, `mimeType`/`mime_type`),
  base64 standard or URL-safe (the SDK sends URL-safe with `mime_type`); a malformed body
  is 400. Answers have `candidates[].content.parts[].text`, `finishReason`,
  `usageMetadata` and `modelVersion`; errors are `{"error": {"code", "message", "status"}}`.
- The Files API's resumable upload (`POST /upload/{v}/files`, then the upload URL it
  returns with `X-Goog-Upload-Command: upload, finalize`) and `GET /{v}/files/{id}`;
  generateContent resolves `fileData.fileUri` to the uploaded bytes.

Answers are scripted per model (a queue, first in first out), else produced by
`responder(model, request_body)`, else a 500 that says nothing was scripted.
"""

import atexit
import base64
import binascii
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.loopback import LoopbackFake, OneShotHandler

# The chain the fixture configures: current models from the reference, in the order of
# the default AI_MODELS setting.
MODELS = ("gemini-3.5-flash-lite", "gemini-3.5-flash", "gemini-2.5-flash-lite")

_GENERATE_PATH = re.compile(r"^/(?P<version>v1|v1beta)/models/(?P<model>[^/:]+):generateContent$")
_UPLOAD_START_PATH = re.compile(r"^/upload/(?P<version>v1|v1beta)/files$")
_FILE_PATH = re.compile(r"^/(?P<version>v1|v1beta)/files/(?P<id>[^/]+)$")

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def error_body(status: int, message: str = "") -> dict:
    """The documented error shape: {"error": {"code", "message", "status"}}."""
    name = _STATUS_NAMES.get(status) or HTTPStatus(status).phrase.upper().replace(" ", "_")
    return {
        "error": {"code": status, "message": message or HTTPStatus(status).phrase, "status": name}
    }


def reading(**fields) -> dict:
    """A dispatcher answer in ai.schemas' shape: every field empty (the schema's defaults)
    unless given."""
    empty = {
        "city": "",
        "issue_type": "other",
        "urgent": False,
        "urgency_reason": "none",
        "language": "he",
        "summary": "",
        "address": "",
        "requested_date": "",
        "requested_time": "",
        "time_of_day": "none",
        "customer_name": "",
        "transcript": "",
        "intent": "describe",
    }
    return {**empty, **fields}


@dataclass
class _Scripted:
    kind: str  # "json" | "text" | "error" | "block" | "raw"
    payload: object = None
    status: int = 200
    model_version: str | None = None


@dataclass
class _Upload:
    mime_type: str
    size: int
    data: bytearray = field(default_factory=bytearray)


class FakeGemini(LoopbackFake):
    """The Gemini API for one key. Read `.requests`; script answers per model."""

    def __init__(self, api_key: str | None = None):
        super().__init__()
        self.api_key = api_key or f"fake-gemini-{secrets.token_hex(12)}"
        # One dict per request: kind ("generate", "upload", "file" or None), model,
        # api_version, path, http_method, headers, api_key, body (JSON or None), and for
        # generateContent: system (text), text (the user parts' text joined), media
        # ([{"mime_type", "data", "encoding"}], from inline parts and uploaded files),
        # then status and response once answered.
        self.requests: list[dict] = []
        self.responder: Callable[[str, dict], dict | str] | None = None
        self.files: dict[str, dict] = {}  # id -> the File resource
        self.file_data: dict[str, bytes] = {}
        self._uploads: dict[str, _Upload] = {}
        self._scripts: dict[str, list[_Scripted]] = {}
        self._always: dict[str, _Scripted] = {}
        self._delays: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget requests, scripts, the responder and files; drop answers still delayed."""
        with self._lock:
            self._stopping.set()  # handlers waiting on a delay wake up and answer nothing
            self._stopping = threading.Event()
            self.requests = []
            self.responder = None
            for store in (self.files, self.file_data, self._uploads, self._scripts):
                store.clear()
            self._always.clear()
            self._delays.clear()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- Test controls ---

    def respond(self, model: str, obj: object, model_version: str | None = None) -> None:
        """The next answer of `model`: `obj` JSON-encoded as the text part."""
        self._push(model, _Scripted("json", obj, model_version=model_version))

    def respond_text(self, model: str, raw_text: str) -> None:
        """The next answer of `model` has this text part as it is (e.g. invalid JSON)."""
        self._push(model, _Scripted("text", raw_text))

    def respond_raw(self, model: str, body: bytes | dict, status: int = 200) -> None:
        """The next answer of `model` is this whole HTTP body (bytes as they are)."""
        self._push(model, _Scripted("raw", body, status=status))

    def fail(self, model: str, status: int, times: int | None = 1, message: str = "") -> None:
        """The next `times` calls of `model` answer `status` (times=None: every call)."""
        scripted = _Scripted("error", error_body(status, message), status=status)
        if times is None:
            with self._lock:
                self._always[model] = scripted
            return
        for _ in range(times):
            self._push(model, scripted)

    def block(self, model: str, reason: str = "SAFETY") -> None:
        """The next call of `model` is a blocked prompt: promptFeedback, no candidates."""
        self._push(model, _Scripted("block", reason))

    def delay(self, model: str, seconds: float) -> None:
        """The next call of `model` waits `seconds` before it is answered.

        A delay beyond the client's timeout is a timeout. The late request is then
        answered from the script as it stands when the delay ends, so script nothing more
        for that model unless you mean it to be used.
        """
        with self._lock:
            self._delays.setdefault(model, []).append(seconds)

    def calls(self, model: str | None = None) -> list[dict]:
        """The generateContent requests (of one model, or all), in order."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r["kind"] == "generate" and (model is None or r["model"] == model)
            ]

    def _push(self, model: str, scripted: _Scripted) -> None:
        with self._lock:
            self._scripts.setdefault(model, []).append(scripted)

    # --- Server side ---

    def _record(self, record: dict) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_delay(self, model: str) -> float:
        with self._lock:
            queue = self._delays.get(model)
            return queue.pop(0) if queue else 0.0

    def _take_script(self, model: str) -> _Scripted | None:
        with self._lock:
            if model in self._always:
                return self._always[model]
            queue = self._scripts.get(model)
            return queue.pop(0) if queue else None

    def _generate(self, model: str, body: dict, record: dict) -> tuple[int, dict]:
        problem = self._read_request(body, record)
        if problem:
            return 400, error_body(400, problem)
        scripted = self._take_script(model)
        if scripted is None and self.responder is not None:
            answer = self.responder(model, body)
            kind = "text" if isinstance(answer, str) else "json"
            scripted = _Scripted(kind, answer)
        if scripted is None:
            return 500, error_body(500, f"fake gemini: nothing scripted for {model}")
        if scripted.kind in ("error", "raw"):
            return scripted.status, scripted.payload
        prompt_tokens = max(1, len(json.dumps(body)) // 4)
        version = scripted.model_version or f"{model}-001"
        if scripted.kind == "block":
            return 200, {
                "promptFeedback": {
                    "blockReason": scripted.payload,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
                    ],
                },
                "usageMetadata": {
                    "promptTokenCount": prompt_tokens,
                    "totalTokenCount": prompt_tokens,
                },
                "modelVersion": version,
            }
        text = scripted.payload if scripted.kind == "text" else json.dumps(scripted.payload)
        output_tokens = max(1, len(text) // 4)
        return 200, {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": output_tokens,
                "totalTokenCount": prompt_tokens + output_tokens,
            },
            "modelVersion": version,
            "responseId": secrets.token_urlsafe(12),
        }

    def _read_request(self, body: dict, record: dict) -> str:
        """Fill record's system/text/media from the body; the problem, or '' when valid."""
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return "contents must be a non-empty list"
        texts, media = [], []
        for content in contents:
            parts = content.get("parts") if isinstance(content, dict) else None
            if not isinstance(parts, list) or not parts:
                return "every content needs parts"
            for part in parts:
                problem = _read_part(part, texts, media, self)
                if problem:
                    return problem
        system = body.get("systemInstruction") or body.get("system_instruction") or {}
        record["system"] = "\n".join(
            p.get("text", "") for p in system.get("parts", []) if isinstance(p, dict)
        )
        record["text"] = "\n".join(texts)
        record["media"] = media
        return ""

    def _start_upload(self, headers, body, version: str) -> tuple[int, object, dict]:
        if headers.get("X-Goog-Upload-Protocol") != "resumable" or (
            headers.get("X-Goog-Upload-Command") != "start"
        ):
            return 400, error_body(400, "resumable upload start expected"), {}
        try:
            size = int(headers.get("X-Goog-Upload-Header-Content-Length", ""))
        except ValueError:
            return 400, error_body(400, "X-Goog-Upload-Header-Content-Length missing"), {}
        mime = headers.get("X-Goog-Upload-Header-Content-Type") or (
            ((body or {}).get("file") or {}).get("mimeType", "")
        )
        upload_id = secrets.token_hex(8)
        with self._lock:
            self._uploads[upload_id] = _Upload(mime, size)
        url = f"{self.url}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable"
        return 200, {}, {"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"}

    def _upload_chunk(self, query: str, headers, raw: bytes, version: str):
        upload_id = (parse_qs(query).get("upload_id") or [""])[0]
        upload = self._uploads.get(upload_id)
        if upload is None:
            return 404, error_body(404, "no such upload"), {"X-Goog-Upload-Status": "final"}
        if int(headers.get("X-Goog-Upload-Offset", "-1")) != len(upload.data):
            return 400, error_body(400, "wrong offset"), {"X-Goog-Upload-Status": "final"}
        upload.data.extend(raw)
        command = headers.get("X-Goog-Upload-Command", "")
        if "finalize" not in command:
            return 200, {}, {"X-Goog-Upload-Status": "active"}
        if len(upload.data) != upload.size:
            return 400, error_body(400, "size mismatch"), {"X-Goog-Upload-Status": "final"}
        file_id = secrets.token_hex(6)
        resource = {
            "name": f"files/{file_id}",
            "mimeType": upload.mime_type,
            "sizeBytes": str(upload.size),
            "uri": f"{self.url}/{version}/files/{file_id}",
            "state": "ACTIVE",
            "source": "UPLOADED",
        }
        with self._lock:
            self.files[file_id] = resource
            self.file_data[file_id] = bytes(upload.data)
            del self._uploads[upload_id]
        return 200, {"file": resource}, {"X-Goog-Upload-Status": "final"}


def _read_part(part, texts: list, media: list, fake: FakeGemini) -> str:
    if not isinstance(part, dict):
        return "a part must be an object"
    if "text" in part:
        texts.append(str(part["text"]))
        return ""
    inline = part.get("inlineData") or part.get("inline_data")
    if inline is not None:
        mime = inline.get("mimeType") or inline.get("mime_type")
        if not mime:
            return "inlineData.mimeType is required"
        data, encoding = _b64decode(inline.get("data"))
        if data is None:
            return "inlineData.data is not base64"
        media.append({"mime_type": mime, "data": data, "encoding": encoding})
        return ""
    file_data = part.get("fileData") or part.get("file_data")
    if file_data is not None:
        uri = file_data.get("fileUri") or file_data.get("file_uri") or ""
        file_id = uri.rstrip("/").rsplit("/", 1)[-1]
        if file_id not in fake.file_data:
            return f"file {uri} does not exist or is not yours"
        mime = file_data.get("mimeType") or file_data.get("mime_type") or ""
        media.append({"mime_type": mime, "data": fake.file_data[file_id], "encoding": "file"})
        return ""
    return f"unsupported part {sorted(part)}"


def _b64decode(value) -> tuple[bytes | None, str]:
    if not isinstance(value, str) or not value:
        return None, ""
    encoding = "urlsafe" if ("-" in value or "_" in value) else "standard"
    try:
        return base64.b64decode(
            value, altchars=b"-_" if encoding == "urlsafe" else None, validate=True
        ), encoding
    except (binascii.Error, ValueError):
        return None, ""


class _Handler(OneShotHandler):
    server_version = "FakeGemini/1.0"

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        generate = _GENERATE_PATH.match(url.path)
        upload = _UPLOAD_START_PATH.match(url.path)
        file_match = _FILE_PATH.match(url.path)
        kind = "generate" if generate else "upload" if upload else "file" if file_match else None
        record = {
            "kind": kind,
            "model": generate["model"] if generate else None,
            "api_version": (generate or upload or file_match)["version"] if kind else None,
            "path": url.path,
            "http_method": self.command,
            "headers": dict(self.headers),
            "api_key": self.headers.get("x-goog-api-key"),
            "body": None,
            "time": time.monotonic(),
        }
        fake._record(record)
        status, answer, headers = self._route(fake, record, url, raw)
        if status is None:
            return  # stopping during an injected delay
        record["status"], record["response"] = status, answer
        self._send(status, answer, headers)

    def _route(self, fake: FakeGemini, record: dict, url, raw: bytes):
        if record["kind"] is None:
            return 404, error_body(404, f"no such method: {url.path}"), {}
        if record["kind"] == "upload" and "upload_id" in url.query:
            # The upload URL carries the session; Google does not ask for the key again.
            return fake._upload_chunk(url.query, self.headers, raw, record["api_version"])
        key = record["api_key"]
        if not key:
            return 403, error_body(403, "Method doesn't allow unregistered callers."), {}
        if key != fake.api_key:
            return 400, error_body(400, "API key not valid. Please pass a valid API key."), {}
        if record["kind"] == "file":
            resource = fake.files.get(record["path"].rsplit("/", 1)[-1])
            if self.command != "GET" or resource is None:
                return 404, error_body(404, "file not found"), {}
            return 200, resource, {}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record["body"] = body
        if self.command != "POST" or not isinstance(body, dict):
            return 400, error_body(400, "the body must be a JSON object"), {}
        if record["kind"] == "upload":
            return fake._start_upload(self.headers, body, record["api_version"])
        model = record["model"]
        seconds = fake._take_delay(model)
        if seconds and fake._stopping.wait(seconds):
            return None, None, None
        status, answer = fake._generate(model, body, record)
        return status, answer, {}

    def _send(self, status: int, answer, headers: dict) -> None:
        data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)


_shared: FakeGemini | None = None


def shared_fake() -> FakeGemini:
    """One server for the whole run: the same URL and key let ai.gemini keep its cached
    SDK client, whose set-up (TLS context) costs more than a test's requests."""
    global _shared
    if _shared is None:
        _shared = FakeGemini().start()
        atexit.register(_shared.stop)
    return _shared


@pytest.fixture
def fake_gemini(settings):
    """The FakeGemini, reset, with GEMINI_* settings and a three-model chain pointing at it."""
    from ai import gemini

    fake = shared_fake()
    fake.reset()
    settings.GEMINI_API_KEY = fake.api_key
    settings.GEMINI_BASE_URL = fake.url
    settings.AI_MODELS = list(MODELS)
    gemini.reset_state()
    try:
        yield fake
    finally:
        fake.reset()
        gemini.reset_state()


FakeGemini.handler_class = _Handler
