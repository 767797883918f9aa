"""Files forwarded on WhatsApp: a public link goes by sendFileByUrl, a file kept on local
disk is uploaded with sendFileByUpload (a form to the media host), and each file reaches
a chat once however often it is queued."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from messaging import greenapi, outbox
from messaging.models import OutboundKind, OutboundMessage, OutboundStatus
from tests.concurrency import in_threads

PRO = "972527654321@c.us"
PHOTO = b"\xff\xd8\xff\xe0" + b"jpeg" * 100
VOICE = b"OggS" + b"\x00" * 200
CAPTION = "📎 מאת Dana (הרצל 10, חיפה)"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def kept(name: str, content: bytes, mime_type: str) -> dict:
    """A file as messaging.media keeps it on local disk: {url, mime_type, ...}."""
    saved = default_storage.save(name, ContentFile(content))
    return {"url": default_storage.url(saved), "mime_type": mime_type, "kind": "image"}


# --- the client -------------------------------------------------------------------------


def test_an_upload_is_a_form_to_the_media_host(fake_green_api, settings):
    settings.GREEN_API_URL = "http://127.0.0.1:9"  # nothing there: only the media host answers

    id_message = greenapi.send_file_by_upload(PRO, PHOTO, "leak.jpg", CAPTION, "image/jpeg")

    [call] = fake_green_api.calls("sendFileByUpload")
    assert call["http_method"] == "POST" and call["form"]["chatId"] == PRO
    assert call["form"]["fileName"] == "leak.jpg" and call["form"]["caption"] == CAPTION
    upload = fake_green_api.uploads[id_message]
    assert (upload["content"], upload["content_type"]) == (PHOTO, "image/jpeg")
    [entry] = fake_green_api.accepted()
    assert entry["typeMessage"] == "imageMessage" and entry["caption"] == CAPTION


@pytest.mark.parametrize(
    ("content", "file_name", "caption", "problem"),
    [
        (PHOTO, "leak", "", "needs an extension"),
        (b"", "leak.jpg", "", "is empty"),
        (PHOTO, "leak.jpg", "x" * 20_001, "caption is 20001 characters"),
    ],
)
def test_an_upload_green_api_would_refuse_is_refused_before_it_leaves(
    fake_green_api, content, file_name, caption, problem
):
    with pytest.raises(ValueError, match=problem):
        greenapi.send_file_by_upload(PRO, content, file_name, caption)

    assert fake_green_api.calls("sendFileByUpload") == []


def test_an_upload_over_green_apis_limit_is_refused_before_it_leaves(fake_green_api, monkeypatch):
    monkeypatch.setattr(greenapi, "MAX_UPLOAD_BYTES", len(PHOTO) - 1)

    with pytest.raises(ValueError, match="accepts at most"):
        greenapi.send_file_by_upload(PRO, PHOTO, "leak.jpg")


def test_a_refused_upload_says_why_and_the_token_stays_out_of_it(fake_green_api, settings):
    settings.GREEN_API_TOKEN = "not-the-token"

    with pytest.raises(greenapi.GreenApiError) as refused:
        greenapi.send_file_by_upload(PRO, PHOTO, "leak.jpg")

    assert refused.value.status == 401 and not refused.value.retryable
    assert "not-the-token" not in refused.value.reason


# --- the outbox -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_kept_on_local_disk_is_uploaded(fake_green_api, media_root):
    photo = kept("inbound/2026/12/leak.jpg", PHOTO, "image/jpeg")

    [row] = outbox.queue_files(PRO, [photo], CAPTION, topic="offer:x")

    assert (row.kind, row.file_url, row.file_name) == (OutboundKind.FILE, photo["url"], "leak.jpg")
    assert outbox.send(row.pk).result == "sent"
    [upload] = fake_green_api.uploads.values()
    assert (upload["chatId"], upload["content"], upload["caption"]) == (PRO, PHOTO, CAPTION)
    assert fake_green_api.calls("sendFileByUrl") == []


@pytest.mark.django_db
def test_a_public_link_is_sent_by_its_link(fake_green_api):
    link = "https://res.cloudinary.com/fixi/video/upload/v1/inbound/2026/12/voice.ogg"

    [row] = outbox.queue_files(PRO, [{"url": link, "mime_type": "audio/ogg"}], CAPTION)

    assert outbox.send(row.pk).result == "sent"
    [call] = fake_green_api.calls("sendFileByUrl")
    assert call["json"]["urlFile"] == link and call["json"]["fileName"] == "voice.ogg"
    assert fake_green_api.calls("sendFileByUpload") == []


@pytest.mark.django_db
def test_a_file_without_an_extension_is_named_by_its_type(fake_green_api, media_root):
    voice = kept("inbound/2026/12/voice", VOICE, "audio/ogg; codecs=opus")

    [row] = outbox.queue_files(PRO, [voice])

    assert row.file_name == "voice.ogg"
    assert outbox.send(row.pk).result == "sent"
    assert fake_green_api.accepted()[0]["typeMessage"] == "audioMessage"


@pytest.mark.django_db
def test_each_file_reaches_a_chat_once_however_often_it_is_queued(fake_green_api, media_root):
    photo = kept("inbound/leak.jpg", PHOTO, "image/jpeg")
    voice = kept("inbound/voice.ogg", VOICE, "audio/ogg")

    first = outbox.queue_files(PRO, [photo], CAPTION)
    again = outbox.queue_files(PRO, [photo, voice, {}, {"url": ""}], CAPTION)
    other_chat = outbox.queue_files("972529999999@c.us", [photo], CAPTION)

    assert len(first) == len(again) == len(other_chat) == 1
    assert again[0].file_url == voice["url"]
    for row in OutboundMessage.objects.order_by("created_at"):
        assert outbox.send(row.pk).result == "sent"
    assert len(fake_green_api.uploads) == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_forwarding_one_file_queue_it_once(media_root):
    photo = kept("inbound/leak.jpg", PHOTO, "image/jpeg")

    queued = in_threads(4, lambda i: len(outbox.queue_files(PRO, [photo], CAPTION)))

    assert sorted(queued) == [0, 0, 0, 1]
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_file_no_longer_on_disk_fails_with_the_reason(fake_green_api, media_root):
    photo = kept("inbound/leak.jpg", PHOTO, "image/jpeg")
    [row] = outbox.queue_files(PRO, [photo])
    default_storage.delete("inbound/leak.jpg")

    assert outbox.send(row.pk).result == "failed"

    row.refresh_from_db()
    assert "no longer kept on local disk" in row.last_error
    assert fake_green_api.calls("sendFileByUpload") == []


@pytest.mark.django_db
def test_a_link_that_leads_out_of_the_media_folder_is_not_sent(fake_green_api, media_root):
    (media_root.parent / "secret.txt").write_text("SECRET_KEY=x")
    row = OutboundMessage.objects.create(
        chat_id=PRO, kind=OutboundKind.FILE, file_url="/media/../secret.txt", file_name="s.txt"
    )

    assert outbox.send(row.pk).result == "failed"

    assert fake_green_api.calls("sendFileByUpload") == []


@pytest.mark.django_db
def test_an_upload_whose_answer_was_lost_is_found_in_the_journal(fake_green_api, media_root):
    # given an upload Green API took, though its answer never came back
    photo = kept("inbound/leak.jpg", PHOTO, "image/jpeg")
    [row] = outbox.queue_files(PRO, [photo], CAPTION)
    fake_green_api.fail_next("sendFileByUpload", 504, accept=True)
    assert outbox.send(row.pk).result == "retry"

    # when the journal can show it and the retry comes
    ago = dt.timedelta(seconds=outbox.JOURNAL_DELAY_SECONDS + 5)
    fake_green_api.age(ago.total_seconds())
    OutboundMessage.objects.filter(pk=row.pk).update(
        unconfirmed_since=timezone.now() - ago, next_attempt_at=None
    )

    # then it is recognised by its caption and not uploaded again
    assert outbox.send(row.pk).result == "sent"
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert row.provider_message_id == fake_green_api.accepted()[0]["idMessage"]
    assert len(fake_green_api.calls("sendFileByUpload")) == 1
