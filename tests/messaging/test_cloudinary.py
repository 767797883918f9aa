"""The Cloudinary client against a local fake of Cloudinary's Upload API (real SDK)."""

import logging
import socket
import time

import pytest

from messaging import checks, cloudinary
from tests.fakes.cloudinary import FakeCloudinary

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
OGG = b"OggS" + b"\x00" * 200


def raised(call, *args, **kwargs) -> cloudinary.CloudinaryError:
    with pytest.raises(cloudinary.CloudinaryError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setattr(cloudinary, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(cloudinary, "READ_TIMEOUT", 0.3)


def test_an_upload_is_signed_and_stored_under_its_public_id(fake_cloudinary):
    uploaded = cloudinary.upload(JPEG, "inbound/2026/12/photo-1", "photo-1.jpg")

    stored = fake_cloudinary.uploads["inbound/2026/12/photo-1"]
    assert stored["content"] == JPEG and stored["resource_type"] == "image"
    assert uploaded == cloudinary.Uploaded(
        url=stored["secure_url"],
        public_id="inbound/2026/12/photo-1",
        resource_type="image",
        size=len(JPEG),
    )
    assert uploaded.url.startswith("https://res.cloudinary.com/fixi-test/image/upload/")
    [request] = fake_cloudinary.requests
    assert request["resource_type"] == "auto"  # Cloudinary decides image, video or raw
    assert request["params"]["overwrite"] == "0"


def test_a_voice_note_is_stored_as_cloudinary_video(fake_cloudinary):
    assert cloudinary.upload(OGG, "inbound/voice", "voice.ogg").resource_type == "video"


def test_uploading_again_after_a_lost_answer_finds_the_file_and_stores_it_once(
    fake_cloudinary, short_timeouts
):
    fake_cloudinary.fail_next(200, delay=0.6)  # stored, but the answer comes too late
    error = raised(cloudinary.upload, JPEG, "inbound/once", "once.jpg")
    assert error.retryable
    deadline = time.monotonic() + 5
    while "inbound/once" not in fake_cloudinary.uploads and time.monotonic() < deadline:
        time.sleep(0.05)
    first = dict(fake_cloudinary.uploads["inbound/once"])

    again = cloudinary.upload(JPEG, "inbound/once", "once.jpg")

    assert again.url == first["secure_url"]
    assert fake_cloudinary.uploads["inbound/once"]["asset_id"] == first["asset_id"]
    assert len(fake_cloudinary.uploads) == 1 and len(fake_cloudinary.requests) == 2


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (420, True),
        (429, True),
        (500, True),
        (503, True),
    ],
)
def test_errors_say_whether_trying_again_can_help(fake_cloudinary, status, retryable):
    fake_cloudinary.fail_next(status, body={"error": {"message": f"refused with {status}"}})

    error = raised(cloudinary.upload, JPEG, "inbound/x", "x.jpg")

    assert error.retryable is retryable
    assert f"refused with {status}" in error.reason
    assert not fake_cloudinary.uploads


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_page_that_is_not_json_is_retryable(fake_cloudinary, status):
    fake_cloudinary.fail_next(status, body="<html><body>Bad Gateway</body></html>")

    error = raised(cloudinary.upload, JPEG, "inbound/x", "x.jpg")

    assert (error.status, error.retryable) == (status, True)


def test_a_timeout_is_retryable(fake_cloudinary, short_timeouts):
    fake_cloudinary.fail_next(200, delay=1.0)

    error = raised(cloudinary.upload, JPEG, "inbound/slow", "slow.jpg")

    assert error.retryable and error.reason.startswith("no answer")


def test_a_dropped_connection_is_retryable(fake_cloudinary):
    fake_cloudinary.drop_next()

    error = raised(cloudinary.upload, JPEG, "inbound/dropped", "dropped.jpg")

    assert error.retryable
    assert not fake_cloudinary.uploads


def test_a_host_that_refuses_connections_is_retryable(settings, short_timeouts):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLOUDINARY_URL = f"cloudinary://key:secret@cloud?upload_prefix=http://127.0.0.1:{port}"

    error = raised(cloudinary.upload, JPEG, "inbound/x", "x.jpg")

    assert error.retryable and error.reason.startswith("connection failed")


def test_a_wrong_secret_is_not_retryable_and_the_secret_is_never_shown(
    fake_cloudinary, settings, caplog
):
    wrong = "not-the-secret-9f2c"
    settings.CLOUDINARY_URL = fake_cloudinary.cloudinary_url.replace(
        fake_cloudinary.api_secret, wrong
    )

    with caplog.at_level(logging.INFO, logger="messaging.cloudinary"):
        error = raised(cloudinary.upload, JPEG, "inbound/x", "x.jpg")

    assert (error.retryable, "Invalid Signature" in error.reason) == (False, True)
    assert wrong not in error.reason and wrong not in caplog.text
    assert "Cloudinary upload: Invalid Signature" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "cloudinary://614335564976464@fixi-test",  # no secret
        "cloudinary://:secret@fixi-test",  # no key
        "cloudinary://key:secret@",  # no cloud name
        "cloudinary://key:secret@fixi-test?upload_prefix=ftp://127.0.0.1",
    ],
)
def test_an_unusable_url_fails_before_any_request(fake_cloudinary, settings, url):
    settings.CLOUDINARY_URL = url

    error = raised(cloudinary.upload, JPEG, "inbound/x", "x.jpg")

    assert not error.retryable and "CLOUDINARY_URL is not usable" in error.reason
    assert fake_cloudinary.requests == []


def test_the_check_names_the_fallback_when_cloudinary_is_not_set(settings):
    settings.CLOUDINARY_URL = ""

    [warning] = checks.cloudinary_settings()

    assert warning.id == "fixi.W030"
    assert "CLOUDINARY_URL is not set" in warning.msg and "var/media" in warning.msg


def test_the_check_names_what_is_missing_and_the_fallback(settings):
    settings.CLOUDINARY_URL = "cloudinary://614335564976464@fixi-test"

    [warning] = checks.cloudinary_settings()

    assert warning.id == "fixi.W031"
    assert "no API secret" in warning.msg and "var/media" in warning.msg


def test_the_check_is_quiet_for_a_usable_url(settings):
    with FakeCloudinary() as fake:
        settings.CLOUDINARY_URL = fake.cloudinary_url

        assert checks.cloudinary_settings() == []
