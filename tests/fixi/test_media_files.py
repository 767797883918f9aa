"""Files customers sent, kept on local disk, open from the admin's links for signed-in
staff, with DEBUG off as on; nobody else gets them, and no path leads out of MEDIA_ROOT."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from messaging.media import _keep

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
OGG = b"OggS" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.DEBUG = False
    return settings.MEDIA_ROOT


def kept(name: str, content: bytes) -> str:
    """A file as the worker keeps it when Cloudinary is not used: its admin link."""
    return _keep(content, name)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="pw-For-tests-1", is_staff=True)
    client.force_login(user)
    return client


def test_a_customers_photo_opens_from_the_admin_link_with_debug_off(media_root, staff_client):
    link = kept("inbound/2026/12/photo.jpg", JPEG)

    response = staff_client.get(link)

    assert link.startswith("/media/inbound/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "shown"),
    [
        ("inbound/voice.ogg", OGG, "audio/ogg", True),
        ("inbound/quote.pdf", PDF, "application/pdf", False),
        # What a file is comes from its bytes, not its name.
        ("inbound/trick.jpg", HTML, "text/html", False),
        ("inbound/drawing.svg", b'<?xml version="1.0"?><svg onload="x()"/>', None, False),
        ("inbound/notes.bin", b"\x00\x01\x02", "application/octet-stream", False),
    ],
)
def test_only_images_videos_and_voice_notes_are_shown_the_rest_is_a_download(
    media_root, staff_client, name, content, content_type, shown
):
    response = staff_client.get(kept(name, content))

    assert response.status_code == 200
    if content_type:
        assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if shown else "attachment"), disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nobody_signed_out_gets_a_file(media_root, client):
    link = kept("inbound/photo.jpg", JPEG)

    response = client.get(link)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_signed_in_user_who_is_not_staff_gets_no_file(media_root, client, django_user_model):
    link = kept("inbound/photo.jpg", JPEG)
    client.force_login(django_user_model.objects.create_user("pro", password="pw-For-tests-1"))

    response = client.get(link)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_with_debug_on_it_is_no_less_private(media_root, settings, client):
    settings.DEBUG = True
    link = kept("inbound/photo.jpg", JPEG)

    assert client.get(link).status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/inbound/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media//etc/passwd",
        "/media/inbound/",
        "/media/inbound",
        "/media/inbound/missing.jpg",
        "/media/outside/secret.txt",  # a link inside MEDIA_ROOT to a file outside it
    ],
)
def test_no_path_leads_out_of_the_media_folder(media_root, staff_client, path):
    (media_root.parent / "secret.txt").write_text("SECRET_KEY=do-not-serve")
    kept("inbound/photo.jpg", JPEG)
    os.symlink(media_root.parent, media_root / "outside")

    response = staff_client.get(path)

    assert response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"do-not-serve" not in body


def test_only_reading_is_allowed(media_root, staff_client):
    link = kept("inbound/photo.jpg", JPEG)

    assert staff_client.head(link).status_code == 200
    assert staff_client.post(link).status_code == 405


def test_a_file_kept_under_a_name_with_spaces_or_hebrew_opens(media_root, staff_client):
    name = default_storage.save("inbound/תמונה של הכיור.jpg", ContentFile(JPEG))

    response = staff_client.get(default_storage.url(name))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
