"""The Gemini client: the only module that imports google-genai.

`generate_structured` asks the models of `settings.AI_MODELS` in order for an answer in a
pydantic schema and returns the first valid one. Per model:

- 429, 5xx, 404 (unknown or retired model), a timeout or another transport error: the
  model is unavailable; try the next one. Three such failures in a row put the model in a
  five-minute cool-down (in this process), after which it is tried again; one more
  failure then starts another cool-down, a success clears the count.
- A blocked prompt (no candidates, `promptFeedback.blockReason`), an empty answer or an
  answer that does not validate against the schema: try the next model. These say
  something about the message, not about the model's health, so they do not count
  towards a cool-down (one abusive customer must not take the models away from others).
- 400, 401, 403, 413: the key, the permission or the request is wrong, and every other
  model would answer the same: stop and raise `AiRequestRejected`.
- A request the SDK refuses to build before sending anything (a schema it cannot
  express, a config or content that fails its validation): a bug in Fixi, logged as an
  error. No model is at fault and every one would be refused the same way, so the chain
  stops, no model's health changes, and `AiRequestInvalid` is raised.

No temperature is sent unless a caller passes one: the models answer at their default
(1.0), as Google advises for Gemini 3 ("Changing the temperature (setting it to less than
1.0) may lead to unexpected behavior, looping, or degraded performance", Gemini 3
prompting guide, https://docs.cloud.google.com/vertex-ai/generative-ai/docs/start/gemini-3-prompting-guide).
No measurement of Fixi's shows a lower one reading customers better; pass one only with one.

When no model answers, `AiUnavailable` says why, per model. Callers catch it and fall
back to the offline dispatcher or templated replies. The SDK's own retries stay off (no
`retry_options`): the chain is the retry. Logs carry model names, versions, token counts
and error codes, never customer text or the key.
"""

import importlib
import io
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

import pydantic
from django.conf import settings
from google import genai
from google.genai import errors, types

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"  # structured output and the Files API; the SDK's default is v1
REQUEST_TIMEOUT_SECONDS = 15.0
UPLOAD_TIMEOUT_SECONDS = 120.0
FILE_READY_TIMEOUT_SECONDS = 60.0  # video is processed after upload before it can be used
INLINE_LIMIT = 15 * 1024 * 1024  # bytes; larger media go through the Files API
FAILURES_BEFORE_COOL_DOWN = 3
COOL_DOWN_SECONDS = 300.0

# A wrong key, a missing permission or an oversized request: no other model would do better.
_REJECTED_CODES = {400, 401, 403, 413}
# What the SDK raises when it refuses to build a request: pydantic's ValidationError (a
# ValueError) for a config or content, ValueError for a schema the API cannot take (a dict
# field's additionalProperties), pydantic's PydanticUserError (a RuntimeError) for a schema
# with no JSON schema at all, TypeError for an argument of the wrong kind.
_REFUSALS = (ValueError, TypeError, pydantic.PydanticUserError)


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Timeouts and connection errors of whichever HTTP library the SDK runs on.

    google-genai 3.x uses httpx2 when installed (it is here), else httpx; both raise their
    own `TransportError` subclasses (`TimeoutException` among them), not SDK errors.
    """
    found: list[type[BaseException]] = [TimeoutError, ConnectionError]
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).TransportError)
        except ImportError:
            continue
    return tuple(found)


TRANSPORT_ERRORS = _transport_errors()


class AiUnavailable(Exception):
    """No model gave a usable answer. `reasons` maps each model to what went wrong."""

    def __init__(self, reasons: dict[str, str]):
        self.reasons = dict(reasons)
        summary = "; ".join(f"{model}: {reason}" for model, reason in self.reasons.items())
        super().__init__(summary or "no Gemini model is configured")


class AiRequestRejected(AiUnavailable):
    """Gemini refused the request itself (bad key, no permission): the chain stopped."""


class AiRequestInvalid(AiUnavailable):
    """The SDK refused to build Fixi's request, before sending it: a bug in Fixi, not a
    model failure. The chain stopped and no model's health changed."""


@dataclass
class StructuredAnswer:
    parsed: pydantic.BaseModel
    model: str
    model_version: str
    usage: dict = field(default_factory=dict)


# --- Configuration and client ---------------------------------------------------------


def is_configured() -> bool:
    return bool(settings.GEMINI_API_KEY and settings.AI_MODELS)


# Set when the SDK's HTTP client sends a request (an event hook of the client): after an
# exception it tells a request refused before sending (Fixi's bug) from an answer the SDK
# could not read (the model's failure). The SDK raises ValueError for both.
_request_sent: ContextVar[bool] = ContextVar("gemini_request_sent", default=False)


def _note_request_sent(request) -> None:
    _request_sent.set(True)


@lru_cache(maxsize=4)
def _client_for(api_key: str, base_url: str) -> genai.Client:
    return genai.Client(
        api_key=api_key,
        vertexai=False,  # never pick up GOOGLE_GENAI_USE_VERTEXAI from the environment
        http_options=types.HttpOptions(
            base_url=base_url or DEFAULT_BASE_URL,
            api_version=API_VERSION,
            timeout=_milliseconds(REQUEST_TIMEOUT_SECONDS),
            client_args={"event_hooks": {"request": [_note_request_sent]}},
        ),
    )


def client() -> genai.Client:
    """The SDK client for the current settings (one per key and base URL)."""
    return _client_for(settings.GEMINI_API_KEY, settings.GEMINI_BASE_URL)


def _milliseconds(seconds: float) -> int:
    return max(1, int(seconds * 1000))


# --- Model health (per process) --------------------------------------------------------


@dataclass
class _Health:
    failures: int = 0  # availability failures in a row
    cool_until: float = 0.0


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _clock() -> float:
    """Monotonic seconds; tests replace this to move through a cool-down."""
    return time.monotonic()


def _cooling_down(model: str) -> bool:
    with _health_lock:
        health = _health.get(model)
        return health is not None and _clock() < health.cool_until


def _record_failure(model: str) -> None:
    with _health_lock:
        health = _health.setdefault(model, _Health())
        health.failures += 1
        if health.failures >= FAILURES_BEFORE_COOL_DOWN:
            health.cool_until = _clock() + COOL_DOWN_SECONDS
            logger.warning(
                "gemini model %s failed %d times in a row: skipped for %d s",
                model,
                health.failures,
                COOL_DOWN_SECONDS,
            )


def _record_answer(model: str) -> None:
    with _health_lock:
        _health.pop(model, None)


def reset_state() -> None:
    """Forget model health (tests). Clients need no reset: they are cached per settings."""
    with _health_lock:
        _health.clear()


# --- Requests ----------------------------------------------------------------------------


class _ModelFailed(Exception):
    """One model did not give a usable answer; `counts` says whether its health suffers."""

    def __init__(self, reason: str, counts: bool):
        super().__init__(reason)
        self.reason = reason
        self.counts = counts


def generate_structured(
    *,
    system: str,
    parts: list,
    schema: type[pydantic.BaseModel],
    temperature: float | None = None,
) -> StructuredAnswer:
    """The first valid answer in `schema` from the model chain.

    `parts` are strings and parts from `media_part`, sent as one user turn. `temperature`:
    None sends none, so the models use their default (see the module's docstring).
    Raises AiUnavailable (AiRequestRejected when Gemini refused the request itself,
    AiRequestInvalid when the SDK refused to build it).
    """
    if not is_configured():
        raise AiUnavailable({})
    try:
        config, contents = _request(system, parts, schema, temperature)
    except _REFUSALS as error:
        raise _invalid_request("request", schema, error) from error
    reasons: dict[str, str] = {}
    for model in settings.AI_MODELS:
        if _cooling_down(model):
            reasons[model] = "skipped: cooling down after repeated failures"
            continue
        try:
            return _ask(model, contents, config, schema)
        except AiRequestRejected as rejected:
            raise AiRequestRejected({**reasons, **rejected.reasons}) from rejected.__cause__
        except AiRequestInvalid as invalid:
            raise AiRequestInvalid({**reasons, **invalid.reasons}) from invalid.__cause__
        except _ModelFailed as failure:
            reasons[model] = failure.reason
            logger.warning("gemini model %s gave no answer: %s", model, failure.reason)
            if failure.counts:
                _record_failure(model)
    raise AiUnavailable(reasons)


def _request(system: str, parts: list, schema, temperature: float | None):
    """The SDK's config and contents for one request (validated by the SDK as they are built)."""
    config = types.GenerateContentConfig(
        system_instruction=system,
        **({} if temperature is None else {"temperature": temperature}),
        response_mime_type="application/json",
        response_schema=schema,
        # No tools, so no function calling loop (and no log line about one per request).
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        # Per request, so a change of the constant (tests) reaches cached clients too.
        http_options=types.HttpOptions(timeout=_milliseconds(REQUEST_TIMEOUT_SECONDS)),
    )
    return config, [types.Content(role="user", parts=[_as_part(part) for part in parts])]


def _invalid_request(model: str, schema, error: Exception) -> AiRequestInvalid:
    """Log a request the SDK refused to build as the bug in Fixi it is. The exception's
    text is left out: it may quote the customer's words."""
    name = type(error).__name__
    logger.error(
        "gemini request refused by the SDK before sending (%s, schema %s): a bug in Fixi's "
        "request or schema, not a model failure; no model asked, model health unchanged",
        name,
        getattr(schema, "__name__", schema),
    )
    return AiRequestInvalid({model: f"refused by the SDK before sending ({name}): a bug in Fixi"})


def _ask(model: str, contents: list, config, schema) -> StructuredAnswer:
    sent = _request_sent.set(False)
    try:
        response = client().models.generate_content(model=model, contents=contents, config=config)
    except errors.APIError as error:
        raise _failure_for(model, error) from error
    except TRANSPORT_ERRORS as error:
        kind = "timeout" if "timeout" in type(error).__name__.lower() else "transport error"
        raise _ModelFailed(f"{kind} ({type(error).__name__})", counts=True) from error
    except _REFUSALS as error:
        if not _request_sent.get():  # e.g. a schema the SDK cannot express for this API
            raise _invalid_request(model, schema, error) from error
        # A 200 whose body the SDK cannot read (not JSON, odd shape).
        raise _ModelFailed(f"unreadable response ({type(error).__name__})", counts=True) from error
    finally:
        _request_sent.reset(sent)
    _record_answer(model)  # it answered: available, whatever the content
    parsed = _validated(response, schema)
    answer = StructuredAnswer(
        parsed=parsed,
        model=model,
        model_version=response.model_version or "",
        usage=_token_counts(response),
    )
    logger.info(
        "gemini answer model=%s model_version=%s prompt_tokens=%s output_tokens=%s total_tokens=%s",
        model,
        answer.model_version,
        answer.usage.get("prompt_token_count"),
        answer.usage.get("candidates_token_count"),
        answer.usage.get("total_token_count"),
    )
    return answer


def _failure_for(model: str, error: errors.APIError) -> Exception:
    reason = f"{error.code} {error.status or ''}".strip()
    if error.code in _REJECTED_CODES:
        # The API's message names the problem ("API key not valid") and never the key.
        message = (error.message or "")[:200]
        logger.error("gemini refused the request (%s): %s", reason, message)
        return AiRequestRejected({model: f"{reason}: {message}"})
    return _ModelFailed(reason, counts=True)


def _validated(response, schema: type[pydantic.BaseModel]) -> pydantic.BaseModel:
    """The answer validated on our side; `response.parsed` is None on bad JSON, silently."""
    text = response.text
    if text is None:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason:
            reason = getattr(feedback.block_reason, "value", feedback.block_reason)
            raise _ModelFailed(f"blocked prompt ({reason})", counts=False)
        finish = response.candidates[0].finish_reason if response.candidates else None
        finish = getattr(finish, "value", finish)
        raise _ModelFailed(f"empty answer (finish reason {finish})", counts=False)
    try:
        parsed = schema.model_validate_json(text)
    except pydantic.ValidationError as error:
        where = sorted({".".join(map(str, e["loc"])) or e["type"] for e in error.errors()})
        raise _ModelFailed(
            f"invalid structured output ({', '.join(where)})", counts=False
        ) from error
    if response.parsed is None:  # the SDK could not read it either; do not guess which is right
        raise _ModelFailed("invalid structured output (not parsed by the SDK)", counts=False)
    return parsed


def _token_counts(response) -> dict:
    usage = response.usage_metadata
    if usage is None:
        return {}
    data = usage.model_dump(exclude_none=True)
    return {key: value for key, value in data.items() if key.endswith("token_count")}


# --- Media ------------------------------------------------------------------------------


def _as_part(part) -> types.Part:
    return types.Part.from_text(text=part) if isinstance(part, str) else part


def media_part(data: bytes, mime_type: str) -> types.Part:
    """A photo, video or voice note as a request part: inline when small, else uploaded.

    Uploads go through the Files API (kept by Google for 48 hours, then deleted).
    Raises AiUnavailable when an upload fails.
    """
    if len(data) <= INLINE_LIMIT:
        return types.Part.from_bytes(data=data, mime_type=mime_type)
    return _uploaded_part(data, mime_type)


def _uploaded_part(data: bytes, mime_type: str) -> types.Part:
    files = client().files
    try:
        uploaded = files.upload(
            file=io.BytesIO(data),
            config=types.UploadFileConfig(
                mime_type=mime_type,
                http_options=types.HttpOptions(timeout=_milliseconds(UPLOAD_TIMEOUT_SECONDS)),
            ),
        )
        uploaded = _when_active(files, uploaded)
    except (errors.APIError, *TRANSPORT_ERRORS, KeyError, ValueError) as error:
        logger.warning("gemini file upload failed: %s", type(error).__name__)
        raise AiUnavailable({"files": f"upload failed ({type(error).__name__})"}) from error
    return types.Part.from_uri(file_uri=uploaded.uri, mime_type=uploaded.mime_type or mime_type)


def _when_active(files, uploaded):
    """Video is processed after upload; a part may only refer to an ACTIVE file."""
    deadline = _clock() + FILE_READY_TIMEOUT_SECONDS
    while uploaded.state == types.FileState.PROCESSING:
        if _clock() > deadline:
            raise ValueError("file still processing")
        time.sleep(1)
        uploaded = files.get(name=uploaded.name)
    if uploaded.state == types.FileState.FAILED:
        raise ValueError("file processing failed")
    return uploaded
