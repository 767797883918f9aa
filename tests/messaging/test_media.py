"""Inbound files: fetched from where the webhook says, typed by what was served, kept in
Cloudinary (the local fake) or under var/media; what is refused is answered, not failed."""

import logging

import pytest
from django.conf import settings as django_settings

from messaging import media
from messaging.models import InboundMessage, MessageKind, ProcessingState
from tests.factories import InboundMessageFactory
from tests.fakes.green_api import FakeGreenApi

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 300
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.fixture
def trusted_links(settings):
    """Webhooks are authenticated, so the downloadUrl they carry is followed."""
    settings.GREEN_API_WEBHOOK_TOKEN = "webhook-token"


def photo_message(url: str, mime_type: str = "image/jpeg", kind=MessageKind.IMAGE):
    return InboundMessageFactory(kind=kind, text="", media_url=url, media_mime_type=mime_type)


def served(fake, name: str, content: bytes, content_type: str) -> str:
    return fake.add_incoming_file(f"BAE5{name}", name, content, content_type)


def rejected(message) -> str:
    with pytest.raises(media.MediaRejected) as caught:
        media.store_inbound_media(message)
    return str(caught.value)


# --- Where the file comes from ---------------------------------------------------------------


def test_a_redirect_is_not_followed_to_another_address(fake_green_api, trusted_links):
    with FakeGreenApi() as internal:  # stands for an address inside the network
        secret = served(internal, "secret.jpg", JPEG, "image/jpeg")
        url = served(fake_green_api, "leak.jpg", JPEG, "image/jpeg")
        fake_green_api.fail_next("media", 302, headers={"Location": secret})

        reason = rejected(photo_message(url))

        assert "redirect" in reason
        assert internal.calls("media") == []


@pytest.mark.parametrize("status", [301, 303, 307, 308])
def test_no_redirect_of_any_kind_is_followed(fake_green_api, trusted_links, status):
    url = served(fake_green_api, "leak.jpg", JPEG, "image/jpeg")
    fake_green_api.fail_next("media", status, headers={"Location": url})

    assert "redirect" in rejected(photo_message(url))
    assert len(fake_green_api.calls("media")) == 1


@pytest.mark.parametrize(
    "link", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.com/a.jpg"]
)
def test_a_link_the_fetcher_refuses_is_a_rejected_file(trusted_links, link):
    message = photo_message("")
    InboundMessage.objects.filter(pk=message.pk).update(media_url=link)
    message.refresh_from_db()

    assert "http" in rejected(message)


# --- What the file is ----------------------------------------------------------------------


def test_the_served_type_beats_the_type_the_payload_claims(fake_green_api, trusted_links):
    url = served(fake_green_api, "page.jpg", HTML, "text/html")

    assert "text/html" in rejected(photo_message(url, mime_type="image/jpeg"))


def test_content_that_is_not_what_the_server_says_is_typed_by_its_bytes(
    fake_green_api, trusted_links
):
    url = served(fake_green_api, "pic.png", SVG, "image/png")

    assert "image/svg+xml" in rejected(photo_message(url))


def test_an_svg_is_never_kept_even_when_served_as_one(fake_green_api, trusted_links):
    url = served(fake_green_api, "pic.svg", SVG, "image/svg+xml")

    assert "image/svg+xml" in rejected(photo_message(url))


def test_a_generic_served_type_is_replaced_by_the_sniffed_one(fake_green_api, trusted_links):
    url = served(fake_green_api, "photo", JPEG, "application/octet-stream")

    stored = media.store_inbound_media(photo_message(url, mime_type=""))

    assert (stored.mime_type, stored.size) == ("image/jpeg", len(JPEG))


def test_a_voice_note_keeps_its_served_type(fake_green_api, trusted_links):
    voice = b"OggS\x00\x02" + b"\x00" * 100
    url = served(fake_green_api, "voice.oga", voice, "audio/ogg; codecs=opus")

    stored = media.store_inbound_media(photo_message(url, "", kind=MessageKind.AUDIO))

    assert stored.mime_type == "audio/ogg" and stored.url.endswith(".ogg")


# --- Where the file is kept ------------------------------------------------------------------


def test_a_file_is_kept_in_cloudinary_when_it_is_configured(
    fake_green_api, fake_cloudinary, trusted_links
):
    url = served(fake_green_api, "leak.jpg", JPEG, "image/jpeg")
    message = photo_message(url)

    stored = media.store_inbound_media(message)

    [(public_id, asset)] = fake_cloudinary.uploads.items()
    assert asset["content"] == JPEG and public_id.endswith(str(message.pk))
    assert stored.url == asset["secure_url"]


def test_when_cloudinary_fails_the_file_is_kept_on_local_disk(
    fake_green_api, fake_cloudinary, trusted_links, caplog
):
    url = served(fake_green_api, "leak.jpg", JPEG, "image/jpeg")
    fake_cloudinary.fail_next(500)

    with caplog.at_level(logging.WARNING, logger="messaging.media"):
        stored = media.store_inbound_media(photo_message(url))

    relative = stored.url.split(django_settings.MEDIA_URL, 1)[1]
    assert (django_settings.MEDIA_ROOT / relative).read_bytes() == JPEG
    assert "kept on local disk" in caplog.text


# --- How the customer is answered ----------------------------------------------------------


@pytest.mark.parametrize("problem", ["bad link", "redirect", "html"])
def test_a_refused_file_is_answered_like_any_refused_file_not_failed(
    fake_green_api, trusted_links, problem
):
    from leads.conversation import process_inbound
    from messaging.models import OutboundMessage

    url = served(fake_green_api, "leak.jpg", HTML if problem == "html" else JPEG, "text/html")
    if problem == "redirect":
        fake_green_api.fail_next("media", 302, headers={"Location": "http://10.0.0.1/x"})
    message = photo_message(url)
    if problem == "bad link":
        InboundMessage.objects.filter(pk=message.pk).update(media_url="file:///etc/passwd")

    assert process_inbound(message.pk) == "asked"

    message.refresh_from_db()
    assert (message.state, message.stored_media) == (ProcessingState.DONE, {})
    assert OutboundMessage.objects.filter(chat_id=message.chat_id).count() == 1
