"""Cloudinary client: the only module in Fixi that uploads to Cloudinary.

The account comes from CLOUDINARY_URL (`cloudinary://API_KEY:API_SECRET@CLOUD_NAME`, as
the Cloudinary console shows it), read at call time and passed with each upload, so the
SDK's process-wide configuration is never relied on. A query on the URL is read as the
SDK reads it: `?upload_prefix=https://api-eu.cloudinary.com` names another API host (a
regional one, or the local fake in the tests).

Every upload has explicit (connect, read) timeouts, logs one line with its outcome, size
and duration, and turns every failure into a `CloudinaryError` that says whether trying
again can help. Uploads keep a fixed public id and never overwrite, so trying again after
an upload whose answer was lost finds the file already there instead of storing it twice.
The API secret never appears in a log line or an error.
"""

import io
import logging
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import cloudinary.uploader
from cloudinary import exceptions as sdk_errors
from django.conf import settings
from urllib3 import Timeout
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import MaxRetryError, NewConnectionError

log = logging.getLogger(__name__)

# Seconds. Module constants rather than settings: tests lower them with monkeypatch.
CONNECT_TIMEOUT = 5.0
# Between two reads of the answer; Cloudinary answers once the whole file is stored.
READ_TIMEOUT = 60.0

_RETRYABLE_ERRORS = (sdk_errors.RateLimited, sdk_errors.GeneralError)
_STATUS_IN_MESSAGE = re.compile(r"server response \((\d{3})\)")


class CloudinaryError(Exception):
    """A failed upload; `retryable` says whether the same upload may succeed later
    (network trouble, rate limit, a server error) or not (credentials, a refused file)."""

    def __init__(self, reason: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class Account:
    cloud_name: str
    api_key: str
    api_secret: str
    upload_prefix: str = ""


@dataclass(frozen=True)
class Uploaded:
    url: str  # the https delivery link
    public_id: str
    resource_type: str
    size: int


def is_configured() -> bool:
    return bool(settings.CLOUDINARY_URL)


def problems(url: str) -> list[str]:
    """What is missing or wrong in a CLOUDINARY_URL value (empty when it is usable)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return ["it is not a URL"]
    found = []
    if parts.scheme != "cloudinary":
        found.append("it does not start with cloudinary://")
    for value, name in (
        (parts.hostname, "cloud name"),
        (parts.username, "API key"),
        (parts.password, "API secret"),
    ):
        if not value:
            found.append(f"it has no {name}")
    prefix = parse_qs(parts.query).get("upload_prefix", [""])[0]
    if prefix and urlsplit(prefix).scheme not in ("http", "https"):
        found.append("its upload_prefix is not an http(s) URL")
    return found


def account() -> Account:
    """The account CLOUDINARY_URL names; a CloudinaryError (not retryable) when it is not
    usable."""
    url = settings.CLOUDINARY_URL
    if not url:
        raise CloudinaryError("Cloudinary is not configured (CLOUDINARY_URL)")
    found = problems(url)
    if found:
        raise CloudinaryError(f"CLOUDINARY_URL is not usable: {'; '.join(found)}")
    parts = urlsplit(url)
    return Account(
        cloud_name=parts.hostname,
        api_key=unquote(parts.username),
        api_secret=unquote(parts.password),
        upload_prefix=parse_qs(parts.query).get("upload_prefix", [""])[0].rstrip("/"),
    )


def upload(content: bytes, public_id: str, file_name: str) -> Uploaded:
    """Store a file under `public_id` (Cloudinary picks image, video or raw); returns
    where it is delivered from."""
    target = account()
    options = {
        "cloud_name": target.cloud_name,
        "api_key": target.api_key,
        "api_secret": target.api_secret,
        "timeout": Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
    }
    if target.upload_prefix:
        options["upload_prefix"] = target.upload_prefix
    started = time.monotonic()
    result, error = None, None
    try:
        result = cloudinary.uploader.upload(
            io.BytesIO(content),
            filename=file_name,
            public_id=public_id,
            resource_type="auto",
            overwrite=False,
            **options,
        )
    except sdk_errors.Error as exc:
        error = _error(exc, target.api_secret)
    if error is None:
        error = _unexpected(result)
    _log_upload(error, started, len(content))
    if error:
        raise error  # outside the except block: no SDK exception travels with it
    return Uploaded(
        url=result["secure_url"],
        public_id=str(result.get("public_id") or public_id),
        resource_type=str(result.get("resource_type") or ""),
        size=len(content),
    )


def _error(exc: sdk_errors.Error, secret: str) -> CloudinaryError:
    reason = _mask(" ".join(str(exc).split()), secret)[:300]
    transport = _transport_cause(exc)
    if transport is not None:
        never_connected = isinstance(_inner(transport), NewConnectionError)
        what = "connection failed" if never_connected else "no answer"
        return CloudinaryError(f"{what}: {type(_inner(transport)).__name__}", retryable=True)
    if isinstance(exc, _RETRYABLE_ERRORS):
        return CloudinaryError(reason, retryable=True)
    status = _status_in(reason)
    if status is not None:  # an answer that is not Cloudinary's JSON (a proxy's 502 page)
        return CloudinaryError(
            f"{status} from Cloudinary", status=status, retryable=status >= 500 or status == 429
        )
    return CloudinaryError(reason)


def _transport_cause(exc: BaseException):
    """The urllib3 or socket error the SDK wrapped, if the upload failed on the way."""
    cause = exc.__cause__ or exc.__context__
    return cause if isinstance(cause, TransportError | OSError) else None


def _inner(error: BaseException) -> BaseException:
    return error.reason if isinstance(error, MaxRetryError) and error.reason else error


def _status_in(reason: str) -> int | None:
    found = _STATUS_IN_MESSAGE.search(reason)
    return int(found.group(1)) if found else None


def _unexpected(result) -> CloudinaryError | None:
    url = result.get("secure_url") if isinstance(result, dict) else None
    if isinstance(url, str) and url.startswith("https://"):
        return None
    return CloudinaryError("unexpected response: no https secure_url")


def _mask(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _log_upload(error: CloudinaryError | None, started: float, size: int) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    outcome = error.reason if error else "stored"
    log.info("Cloudinary upload: %s, %d bytes in %.0f ms", outcome, size, elapsed_ms)
