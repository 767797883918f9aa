"""ai.gemini: the real google-genai SDK against the fake Gemini server (tests/fakes/gemini.py)."""

import base64
import json
import logging
import time
import urllib.request
from collections.abc import Callable
from urllib.error import HTTPError

import pytest
from pydantic import BaseModel

from ai import gemini
from tests.fakes import gemini as fakes

MODELS = fakes.MODELS

CUSTOMER_WORDS = "SECRET-CUSTOMER-WORDS יש לי נזילה"


class Echo(BaseModel):
    word: str
    count: int


GOOD = {"word": "ok", "count": 2}


def ask(parts=None) -> gemini.StructuredAnswer:
    return gemini.generate_structured(
        system="You are a test.", parts=parts or [CUSTOMER_WORDS], schema=Echo
    )


def requested_models(fake) -> list[str]:
    return [call["model"] for call in fake.calls()]


@pytest.fixture
def clock(monkeypatch):
    """ai.gemini's monotonic clock, moved by hand: clock.now += seconds."""

    class Clock:
        now = 1000.0

    monkeypatch.setattr(gemini, "_clock", lambda: Clock.now)
    return Clock


# --- What the SDK sends ----------------------------------------------------------------------


def test_request_goes_to_v1beta_generate_content_with_the_key_and_schema(fake_gemini):
    fake_gemini.respond(MODELS[0], GOOD)

    answer = ask()

    assert answer.parsed == Echo(word="ok", count=2)
    assert answer.model == MODELS[0]
    [call] = fake_gemini.calls()
    assert call["path"] == f"/v1beta/models/{MODELS[0]}:generateContent"
    assert call["api_key"] == fake_gemini.api_key
    body = call["body"]
    assert body["systemInstruction"]["parts"] == [{"text": "You are a test."}]
    assert body["contents"] == [{"role": "user", "parts": [{"text": CUSTOMER_WORDS}]}]
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    # No temperature: Gemini 3 models answer at their default, as Google advises.
    assert "temperature" not in config
    assert set(config["responseSchema"]["properties"]) == {"word", "count"}
    assert "tools" not in body


def test_usage_and_model_version_are_returned(fake_gemini):
    fake_gemini.respond(MODELS[0], GOOD, model_version="gemini-3.5-flash-lite-001")

    answer = ask()

    assert answer.model_version == "gemini-3.5-flash-lite-001"
    assert answer.usage["total_token_count"] == (
        answer.usage["prompt_token_count"] + answer.usage["candidates_token_count"]
    )


def test_the_client_is_cached_per_key_and_base_url(fake_gemini, settings):
    first = gemini.client()
    assert gemini.client() is first
    settings.GEMINI_BASE_URL = fake_gemini.url + "/"
    assert gemini.client() is not first


# --- The model chain ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503, 504, 404])
def test_an_unavailable_or_retired_model_hands_over_to_the_next(fake_gemini, status):
    fake_gemini.fail(MODELS[0], status)
    fake_gemini.respond(MODELS[1], GOOD)

    answer = ask()

    assert answer.model == MODELS[1]
    # The SDK does not retry on its own: one request per model.
    assert requested_models(fake_gemini) == [MODELS[0], MODELS[1]]


def test_invalid_json_hands_over_to_the_next_model(fake_gemini):
    fake_gemini.respond_text(MODELS[0], '{"word": "ok", "count": ')
    fake_gemini.respond(MODELS[1], GOOD)

    assert ask().model == MODELS[1]


def test_json_that_does_not_fit_the_schema_hands_over_to_the_next_model(fake_gemini):
    fake_gemini.respond(MODELS[0], {"word": "ok", "count": "many"})
    fake_gemini.respond(MODELS[1], GOOD)

    assert ask().model == MODELS[1]


@pytest.mark.parametrize(
    "body",
    [b"<html>Bad gateway</html>", {"candidates": [{"content": {"parts": []}}]}],
    ids=["not-json", "no-text"],
)
def test_an_unreadable_or_empty_answer_hands_over_to_the_next_model(fake_gemini, body):
    fake_gemini.respond_raw(MODELS[0], body)
    fake_gemini.respond(MODELS[1], GOOD)

    assert ask().model == MODELS[1]


def test_thought_parts_are_not_part_of_the_answer(fake_gemini):
    fake_gemini.respond_raw(
        MODELS[0],
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "thinking about it...", "thought": True},
                            {"text": json.dumps(GOOD)},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "modelVersion": "gemini-3.5-flash-lite-001",
        },
    )

    assert ask().parsed == Echo(**GOOD)


def test_a_blocked_prompt_hands_over_to_the_next_model(fake_gemini):
    fake_gemini.block(MODELS[0])
    fake_gemini.respond(MODELS[1], GOOD)

    assert ask().model == MODELS[1]
    assert "promptFeedback" in fake_gemini.calls(MODELS[0])[0]["response"]


def test_a_timeout_hands_over_to_the_next_model(fake_gemini, monkeypatch):
    monkeypatch.setattr(gemini, "REQUEST_TIMEOUT_SECONDS", 0.3)
    fake_gemini.delay(MODELS[0], 5)
    fake_gemini.respond(MODELS[1], GOOD)
    started = time.monotonic()

    answer = ask()

    assert answer.model == MODELS[1]
    assert time.monotonic() - started < 3


def test_when_every_model_fails_the_reasons_are_given_per_model(fake_gemini):
    fake_gemini.fail(MODELS[0], 429)
    fake_gemini.block(MODELS[1])
    fake_gemini.respond_text(MODELS[2], "not json")

    with pytest.raises(gemini.AiUnavailable) as raised:
        ask()

    reasons = raised.value.reasons
    assert list(reasons) == list(MODELS)
    assert reasons[MODELS[0]] == "429 RESOURCE_EXHAUSTED"
    assert reasons[MODELS[1]] == "blocked prompt (SAFETY)"
    assert "invalid structured output" in reasons[MODELS[2]]


def test_a_bad_key_stops_the_chain(fake_gemini, settings):
    settings.GEMINI_API_KEY = "not-the-key"

    with pytest.raises(gemini.AiRequestRejected) as raised:
        ask()

    assert requested_models(fake_gemini) == [MODELS[0]]
    assert "400 INVALID_ARGUMENT: API key not valid" in raised.value.reasons[MODELS[0]]
    assert "not-the-key" not in str(raised.value)


def test_a_refusal_after_other_failures_keeps_all_the_reasons(fake_gemini):
    fake_gemini.fail(MODELS[0], 429)
    fake_gemini.fail(MODELS[1], 400, message="Request contains an invalid argument.")

    with pytest.raises(gemini.AiRequestRejected) as raised:
        ask()

    assert list(raised.value.reasons) == [MODELS[0], MODELS[1]]
    assert requested_models(fake_gemini) == [MODELS[0], MODELS[1]]


def test_permission_denied_stops_the_chain(fake_gemini):
    fake_gemini.fail(MODELS[0], 403)

    with pytest.raises(gemini.AiRequestRejected):
        ask()

    assert requested_models(fake_gemini) == [MODELS[0]]


def test_without_a_key_nothing_is_sent(fake_gemini, settings):
    settings.GEMINI_API_KEY = ""

    assert not gemini.is_configured()
    with pytest.raises(gemini.AiUnavailable):
        ask()
    assert fake_gemini.requests == []


# --- Requests the SDK refuses to build: Fixi's bugs -------------------------------------------


class Prices(BaseModel):
    by_service: dict[str, int]  # additionalProperties: the Gemini Developer API has none


class Callback(BaseModel):
    word: str
    then: Callable[[], None]  # no JSON schema at all


def ask_in(schema: type[BaseModel], parts=None) -> gemini.StructuredAnswer:
    return gemini.generate_structured(
        system="You are a test.", parts=parts or [CUSTOMER_WORDS], schema=schema
    )


@pytest.mark.parametrize(
    ("schema", "parts", "error"),
    [
        (Prices, None, "ValueError"),
        (Callback, None, "PydanticInvalidForJsonSchema"),
        (Echo, [object()], "ValidationError"),
    ],
    ids=["schema-unsupported-by-the-api", "schema-without-json-schema", "content-not-a-part"],
)
def test_a_request_the_sdk_refuses_is_a_fixi_bug_not_a_model_failure(
    fake_gemini, clock, caplog, schema, parts, error
):
    caplog.set_level(logging.DEBUG)

    for _ in range(gemini.FAILURES_BEFORE_COOL_DOWN + 1):
        with pytest.raises(gemini.AiRequestInvalid) as raised:
            ask_in(schema, parts)

    # Nothing left the process, the chain was not walked, and no model lost its health.
    assert fake_gemini.requests == []
    assert len(raised.value.reasons) == 1
    assert "a bug in Fixi" in next(iter(raised.value.reasons.values()))
    assert gemini._health == {}
    # It is an AiUnavailable: callers fall back to the offline dispatcher.
    assert isinstance(raised.value, gemini.AiUnavailable)
    [logged, *_] = [r for r in caplog.records if r.name == "ai.gemini"]
    assert logged.levelno == logging.ERROR
    assert error in logged.getMessage() and "a bug in Fixi" in logged.getMessage()
    assert "SECRET-CUSTOMER-WORDS" not in caplog.text
    # The models themselves are fine: the next good request is answered by the first.
    fake_gemini.respond(MODELS[0], GOOD)
    assert ask().model == MODELS[0]


def test_an_answer_the_sdk_cannot_read_still_counts_against_the_model(fake_gemini, clock):
    # The SDK raises ValueError for this too; it came after a request, so the model failed.
    fake_gemini.responder = lambda model, body: GOOD
    for _ in range(gemini.FAILURES_BEFORE_COOL_DOWN):
        fake_gemini.respond_raw(MODELS[0], b"<html>Bad gateway</html>")
        assert ask().model == MODELS[1]

    assert ask().model == MODELS[1]  # cooling down: not asked
    assert requested_models(fake_gemini).count(MODELS[0]) == gemini.FAILURES_BEFORE_COOL_DOWN


# --- Cool-down -----------------------------------------------------------------------------


def test_a_model_failing_three_times_in_a_row_is_skipped_until_the_cool_down_ends(
    fake_gemini, clock
):
    fake_gemini.responder = lambda model, body: GOOD
    fake_gemini.fail(MODELS[0], 429, times=3)
    for _ in range(3):
        assert ask().model == MODELS[1]

    # Cooling down: the first model is not even asked.
    assert ask().model == MODELS[1]
    assert requested_models(fake_gemini).count(MODELS[0]) == 3

    clock.now += gemini.COOL_DOWN_SECONDS - 1
    assert ask().model == MODELS[1]
    assert requested_models(fake_gemini).count(MODELS[0]) == 3

    # After the cool-down it is tried again, and a success clears its record.
    clock.now += 2
    assert ask().model == MODELS[0]
    fake_gemini.fail(MODELS[0], 503)
    assert ask().model == MODELS[1]
    assert ask().model == MODELS[0]


def test_after_a_cool_down_one_more_failure_starts_another(fake_gemini, clock):
    fake_gemini.responder = lambda model, body: GOOD
    fake_gemini.fail(MODELS[0], 503, times=4)
    for _ in range(3):
        ask()
    clock.now += gemini.COOL_DOWN_SECONDS + 1

    ask()  # tried again, fails again
    ask()

    assert requested_models(fake_gemini).count(MODELS[0]) == 4


def test_timeouts_count_towards_the_cool_down(fake_gemini, clock, monkeypatch):
    monkeypatch.setattr(gemini, "REQUEST_TIMEOUT_SECONDS", 0.2)
    fake_gemini.responder = lambda model, body: GOOD if model != MODELS[0] else "late"
    for _ in range(3):
        fake_gemini.delay(MODELS[0], 2)
        ask()

    ask()

    assert requested_models(fake_gemini).count(MODELS[0]) == 3


def test_blocked_and_invalid_answers_do_not_count_towards_the_cool_down(fake_gemini, clock):
    # A customer whose messages trip the filters must not take the model away from others.
    fake_gemini.responder = lambda model, body: GOOD
    fake_gemini.block(MODELS[0])
    fake_gemini.respond_text(MODELS[0], "nope")
    fake_gemini.block(MODELS[0])
    for _ in range(3):
        assert ask().model == MODELS[1]

    assert ask().model == MODELS[0]


def test_when_every_model_cools_down_nothing_is_sent(fake_gemini, clock):
    for model in MODELS:
        fake_gemini.fail(model, 500, times=3)
    for _ in range(3):
        with pytest.raises(gemini.AiUnavailable):
            ask()
    sent = len(fake_gemini.requests)

    with pytest.raises(gemini.AiUnavailable) as raised:
        ask()

    assert len(fake_gemini.requests) == sent
    assert all("cooling down" in reason for reason in raised.value.reasons.values())


# --- Logs ------------------------------------------------------------------------------------


def test_each_answer_logs_model_version_and_tokens_but_no_text_or_key(fake_gemini, caplog):
    caplog.set_level(logging.DEBUG)
    fake_gemini.fail(MODELS[0], 429)
    fake_gemini.respond(MODELS[1], GOOD, model_version="gemini-3.5-flash-002")

    ask()

    [answer] = [r for r in caplog.records if r.name == "ai.gemini" and r.levelno == logging.INFO]
    message = answer.getMessage()
    assert f"model={MODELS[1]}" in message
    assert "model_version=gemini-3.5-flash-002" in message
    assert "prompt_tokens=" in message and "total_tokens=" in message
    assert "SECRET-CUSTOMER-WORDS" not in caplog.text
    assert fake_gemini.api_key not in caplog.text


def test_a_refused_request_logs_the_reason_but_not_the_key(fake_gemini, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.GEMINI_API_KEY = "wrong-key-123"

    with pytest.raises(gemini.AiRequestRejected):
        ask()

    assert "API key not valid" in caplog.text
    assert "wrong-key-123" not in caplog.text
    assert "SECRET-CUSTOMER-WORDS" not in caplog.text


# --- Media -------------------------------------------------------------------------------------


def test_small_media_go_inline_as_base64(fake_gemini):
    audio = bytes(range(256)) * 4  # every byte value, so base64 has + and / (or - and _)
    fake_gemini.respond(MODELS[0], GOOD)

    ask(["voice note:", gemini.media_part(audio, "audio/ogg")])

    [call] = fake_gemini.calls()
    [media] = call["media"]
    assert media["mime_type"] == "audio/ogg"
    assert media["data"] == audio
    inline = call["body"]["contents"][0]["parts"][1]["inlineData"]
    assert base64.urlsafe_b64decode(inline["data"]) == audio


def test_large_media_go_through_the_files_api(fake_gemini, monkeypatch):
    monkeypatch.setattr(gemini, "INLINE_LIMIT", 1024)
    video = b"\x00\x00\x00\x18ftypmp42" + b"v" * 4000
    fake_gemini.respond(MODELS[0], GOOD)

    part = gemini.media_part(video, "video/mp4")
    ask(["video:", part])

    uploads = [r for r in fake_gemini.requests if r["kind"] == "upload"]
    assert [r["path"] for r in uploads] == ["/upload/v1beta/files"] * 2
    assert uploads[0]["api_key"] == fake_gemini.api_key
    [call] = fake_gemini.calls()
    assert "fileData" in call["body"]["contents"][0]["parts"][1]
    assert call["media"] == [{"mime_type": "video/mp4", "data": video, "encoding": "file"}]


def test_a_failed_upload_is_ai_unavailable(fake_gemini, monkeypatch, settings):
    monkeypatch.setattr(gemini, "INLINE_LIMIT", 10)
    settings.GEMINI_API_KEY = "wrong"

    with pytest.raises(gemini.AiUnavailable):
        gemini.media_part(b"x" * 100, "video/mp4")


# --- The fake itself -----------------------------------------------------------------------------


def _post(fake, path: str, body: dict, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        fake.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-goog-api-key": key or fake.api_key},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    "inline",
    [
        {"inlineData": {"mimeType": "image/jpeg", "data": base64.b64encode(b"\xfb\xff").decode()}},
        {
            "inline_data": {
                "mime_type": "image/jpeg",
                "data": base64.urlsafe_b64encode(b"\xfb\xff").decode(),
            }
        },
    ],
    ids=["camelCase-standard", "snake_case-urlsafe"],
)
def test_the_fake_reads_both_casings_and_base64_alphabets(inline):
    with fakes.FakeGemini() as fake:
        fake.respond("m", GOOD)
        status, answer = _post(
            fake, "/v1/models/m:generateContent", {"contents": [{"parts": [inline]}]}
        )

        assert status == 200
        assert json.loads(answer["candidates"][0]["content"]["parts"][0]["text"]) == GOOD
        assert fake.calls()[0]["media"][0]["data"] == b"\xfb\xff"


def test_the_fake_answers_errors_in_the_documented_shape():
    with fakes.FakeGemini() as fake:
        fake.fail("m", 429)
        body = {"contents": [{"parts": [{"text": "hi"}]}]}

        assert _post(fake, "/v1beta/models/m:generateContent", body) == (
            429,
            {
                "error": {
                    "code": 429,
                    "message": "Too Many Requests",
                    "status": "RESOURCE_EXHAUSTED",
                }
            },
        )
        status, answer = _post(fake, "/v1beta/models/m:generateContent", body, key="bad")
        assert (status, answer["error"]["status"]) == (400, "INVALID_ARGUMENT")
        status, answer = _post(fake, "/v1beta/models/m:generateContent", {"contents": []})
        assert status == 400
