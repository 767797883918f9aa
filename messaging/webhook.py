"""POST /webhook: Green API's notifications.

Authenticate, bound the size, parse, store, answer. Everything else happens in a worker:
Green API pauses an instance's whole queue for a minute on any answer but 200, so a
payload we do not understand is still a 200, and nothing here may raise a 500.
"""

import hmac
import json
import logging
import math

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging import inbox
from messaging.payloads import PayloadError

log = logging.getLogger(__name__)


def _token_ok(request) -> bool:
    """The current token, or during a rotation the previous one (logged each time, so the
    operator sees when Green API has switched). Both are compared in constant time."""
    expected = settings.GREEN_API_WEBHOOK_TOKEN
    if not expected:
        return True  # the system check warns that the endpoint is open
    scheme, _, presented = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in ("bearer", "basic") or not presented:
        return False
    presented = presented.strip().encode()
    current = hmac.compare_digest(presented, expected.encode())
    previous = settings.GREEN_API_WEBHOOK_TOKEN_PREVIOUS
    # Compared whether or not the current one matched, so the time taken says nothing.
    by_previous = bool(previous) and hmac.compare_digest(presented, previous.encode())
    if by_previous and not current:
        log.warning(
            "webhook accepted with GREEN_API_WEBHOOK_TOKEN_PREVIOUS: Green API still sends "
            "the previous token"
        )
    return current or by_previous


def _refuse(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def _read_body(request) -> bytes | None:
    """The body, or None when it is larger than the limit (with or without a length).

    A chunked request has no Content-Length, and Django then reads nothing. A server that
    de-chunks the body and ends the input where the body ends says so with
    `wsgi.input_terminated` (gunicorn does); only then is the input read to its end, since
    reading past the body of any other server may wait for ever.
    """
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    length = request.META.get("CONTENT_LENGTH")
    if not length and request.META.get("wsgi.input_terminated"):
        return _read_capped(request.META["wsgi.input"], limit)
    try:
        declared = int(length or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _read_capped(stream, limit: int) -> bytes | None:
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _number(text: str) -> float | str:
    """A JSON number beyond a float's range (1e999) is kept as its text: no database keeps
    an infinity, and the sender wrote a number, not a constant."""
    value = float(text)
    return value if math.isfinite(value) else text


@csrf_exempt
@require_POST
def webhook(request):
    if not _token_ok(request):
        return _refuse(401, "missing or wrong token")
    body = _read_body(request)
    if body is None:
        return _refuse(413, f"body larger than {settings.WEBHOOK_MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body, parse_constant=_reject_constant, parse_float=_number)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _refuse(400, "body is not JSON")
    if not isinstance(payload, dict):
        return _refuse(400, "body is not a JSON object")
    try:
        result = inbox.ingest(payload)
    except PayloadError as error:
        return _refuse(400, str(error))
    return JsonResponse({"status": result.outcome})
