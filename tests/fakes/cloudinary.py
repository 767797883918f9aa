"""A fake Cloudinary Upload API on a loopback port, for tests that run the real SDK.

Use the fixture (it points CLOUDINARY_URL at the fake through the URL's `upload_prefix`,
the setting the SDK reads for another API host):

    from tests.fakes.cloudinary import fake_cloudinary  # noqa: F401  (in a conftest.py)

    def test_upload(fake_cloudinary):
        cloudinary.upload(b"...", "inbound/x", "x.jpg")
        assert fake_cloudinary.uploads["inbound/x"]["resource_type"] == "image"

or `with FakeCloudinary() as fake:` outside pytest. It answers as Cloudinary's Upload API
reference describes:

- `POST /v1_1/{cloud_name}/{resource_type}/upload`, a multipart form with `file`,
  `api_key`, `timestamp` and `signature` (SHA-1 of the other parameters, sorted, as
  `key=value` joined by `&` with any `&` in a value written `%26`, then the API secret);
  resource_type `image`, `video`, `raw` or `auto` (decided from the file's bytes: audio is
  a video, a PDF an image, anything else raw).
- An unknown cloud name is a 404, a wrong key or signature a 401, a timestamp more than
  an hour old a 400 ("Stale request"), no file a 400; every error is
  `{"error": {"message": ...}}`.
- A public id already stored with `overwrite` off answers the stored asset again, marked
  `"existing": true`; the answer otherwise carries public_id, version, resource_type,
  format, bytes, type, created_at, url and secure_url (on res.cloudinary.com).

`fail_next` injects errors, slow answers (a delay above the client's read timeout is a
timeout, and the upload is still stored once the delay is over, as a real timeout goes)
and answers that are not JSON (a proxy's error page); `drop_next` hangs up without an
answer and stores nothing.
"""

import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from tests.fakes.loopback import LoopbackFake, OneShotHandler

_UPLOAD_PATH = re.compile(r"^/v1_1/(?P<cloud>[^/]+)/(?P<resource_type>[^/]+)/upload$")
_UNSIGNED = {"file", "api_key", "resource_type", "cloud_name", "signature"}
STALE_AFTER_SECONDS = 3600
_SIGNATURES = {
    b"\xff\xd8\xff": ("image", "jpg"),
    b"\x89PNG": ("image", "png"),
    b"GIF8": ("image", "gif"),
    b"%PDF-": ("image", "pdf"),
    b"OggS": ("video", "ogg"),
    b"ID3": ("video", "mp3"),
    b"\x1aE\xdf\xa3": ("video", "webm"),
}


def error_body(message: str) -> dict:
    return {"error": {"message": message}}


def signature_of(params: dict, secret: str) -> str:
    """Cloudinary's signature of the signed parameters (version 2)."""
    pairs = sorted(f"{key}={value}".replace("&", "%26") for key, value in params.items() if value)
    return hashlib.sha1(("&".join(pairs) + secret).encode()).hexdigest()  # noqa: S324


def _kind_of(content: bytes) -> tuple[str, str]:
    for magic, kind in _SIGNATURES.items():
        if content.startswith(magic):
            return kind
    if content[8:12] == b"WEBP":
        return "image", "webp"
    if content[4:8] == b"ftyp":
        return "video", "mp4"
    return "raw", ""


@dataclass
class _Failure:
    status: int
    body: object = None
    delay: float = 0.0
    drop: bool = False


class FakeCloudinary(LoopbackFake):
    """One Cloudinary product environment. Read `.uploads` (public id -> the asset as
    answered, with its `content`) and `.requests`."""

    def __init__(self, cloud_name: str = "fixi-test", api_key: str = "614335564976464"):
        super().__init__()
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = secrets.token_urlsafe(20)
        self.uploads: dict[str, dict] = {}
        # One dict per request: path, resource_type, params (the form without the file).
        self.requests: list[dict] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cloudinary_url(self) -> str:
        """The CLOUDINARY_URL that reaches this fake."""
        return (
            f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}"
            f"?upload_prefix={self.url}"
        )

    def fail_next(
        self, status: int, times: int = 1, body: object = None, delay: float = 0.0
    ) -> None:
        """Answer the next `times` uploads with `status` and `body` (a dict is sent as JSON,
        a str as an HTML page; by default Cloudinary's error shape). A status of 200 only
        delays the normal answer by `delay` seconds."""
        with self._lock:
            self._failures.extend([_Failure(status, body, delay)] * times)

    def drop_next(self, times: int = 1) -> None:
        """Read the next `times` uploads and close the connection without an answer."""
        with self._lock:
            self._failures.extend([_Failure(0, drop=True)] * times)

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _upload(self, cloud: str, resource_type: str, form: dict) -> tuple[int, dict]:
        if cloud != self.cloud_name:
            return 404, error_body(f"Invalid cloud_name {cloud}")
        if resource_type not in ("image", "video", "raw", "auto"):
            return 404, error_body(f"Invalid resource type {resource_type}")
        params = {k: v for k, v in form.items() if k not in _UNSIGNED}
        if form.get("api_key") != self.api_key:
            return 401, error_body(f"Invalid api_key {form.get('api_key', '')}")
        if form.get("signature") != signature_of(params, self.api_secret):
            return 401, error_body(f"Invalid Signature {form.get('signature', '')}.")
        timestamp = form.get("timestamp", "")
        if not timestamp.isdigit() or time.time() - int(timestamp) > STALE_AFTER_SECONDS:
            return 400, error_body(f"Stale request - reported time is {timestamp}")
        content = form.get("file")
        if not isinstance(content, bytes) or not content:
            return 400, error_body("Missing required parameter - file")
        return 200, self._store(resource_type, params, content)

    def _store(self, resource_type: str, params: dict, content: bytes) -> dict:
        kind, extension = _kind_of(content)
        if resource_type != "auto":
            kind = resource_type
        public_id = params.get("public_id") or secrets.token_hex(10)
        overwrite = params.get("overwrite", "1") not in ("0", "false")
        with self._lock:
            stored = self.uploads.get(public_id)
            if stored is not None and not overwrite:
                return {**_answer(stored), "existing": True}
            version = int(time.time())
            delivered = f"res.cloudinary.com/{self.cloud_name}/{kind}/upload/v{version}/{public_id}"
            delivered += f".{extension}" if extension else ""
            asset = {
                "asset_id": secrets.token_hex(16),
                "public_id": public_id,
                "version": version,
                "version_id": secrets.token_hex(16),
                "signature": hashlib.sha1(content).hexdigest(),  # noqa: S324
                "format": extension,
                "resource_type": kind,
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tags": [],
                "bytes": len(content),
                "type": "upload",
                "etag": hashlib.md5(content).hexdigest(),  # noqa: S324
                "placeholder": False,
                "url": f"http://{delivered}",
                "secure_url": f"https://{delivered}",
                "asset_folder": "",
                "original_filename": public_id.rsplit("/", 1)[-1],
                "content": content,
            }
            self.uploads[public_id] = asset
        return _answer(asset)


def _answer(asset: dict) -> dict:
    return {key: value for key, value in asset.items() if key != "content"}


def _read_form(content_type: str, body: bytes) -> dict:
    """A multipart/form-data body as {name: str, or bytes for the file}."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    form = {}
    if not message.is_multipart():
        return form
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        form[name] = data if name == "file" else data.decode()
    return form


class _Handler(OneShotHandler):
    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        match = _UPLOAD_PATH.match(self.path)
        form = _read_form(self.headers.get("Content-Type", ""), body)
        with fake._lock:
            fake.requests.append(
                {
                    "path": self.path,
                    "resource_type": match["resource_type"] if match else None,
                    "params": {k: v for k, v in form.items() if k != "file"},
                }
            )
        if self.command != "POST" or not match:
            self._send(404, error_body("Not found"))
            return
        failure = fake._take_failure()
        if failure and failure.delay and fake._stopping.wait(failure.delay):
            return
        if failure and failure.drop:
            return  # the connection closes without an answer
        if failure and failure.status != 200:
            self._send(failure.status, failure.body or error_body("General Error"))
            return
        status, answer = fake._upload(match["cloud"], match["resource_type"], form)
        self._send(status, answer)

    def _send(self, status: int, answer) -> None:
        if isinstance(answer, str):
            data, content_type = answer.encode(), "text/html; charset=utf-8"
        else:
            data, content_type = json.dumps(answer).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


FakeCloudinary.handler_class = _Handler


@pytest.fixture
def fake_cloudinary(settings):
    """A running FakeCloudinary with CLOUDINARY_URL pointing at it."""
    with FakeCloudinary() as fake:
        settings.CLOUDINARY_URL = fake.cloudinary_url
        yield fake
