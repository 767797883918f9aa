"""A pro sees the customer's photos, videos and voice notes on WhatsApp: the job offer
and the "added" message say how many follow, and each file is forwarded to the pro once
(uploaded when it is kept on local disk, by its link when Cloudinary keeps it), never as
a bare /media/ path."""

import datetime as dt

import pytest
from django.utils import timezone

from leads.assignment import notify_pro
from leads.conversation import process_inbound
from leads.conversation.outcomes import Outcome
from leads.models import Lead
from messaging import inbox, outbox
from messaging.models import OutboundKind, OutboundMessage
from scheduling.models import Slot
from tests.factories import CityFactory, ProFactory, SlotFactory
from tests.fakes.cloudinary import fake_cloudinary  # noqa: F401  (fixture)
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
PHOTO = b"\xff\xd8\xff\xe0" + b"jpeg" * 100
VOICE = b"OggS" + b"\x00" * 300
JOB = "יש לי נזילה מתחת לכיור ברחוב הרצל 10 בחיפה, מחר בשעה 10:00"


@pytest.fixture
def plumber(fake_green_api, settings, tmp_path):
    settings.GREEN_API_WEBHOOK_TOKEN = "t"  # files are fetched from the webhook's link
    settings.MEDIA_ROOT = tmp_path / "media"
    haifa = CityFactory(slug="haifa", name_he="חיפה", name_en="Haifa")
    pro = ProFactory(name="Yossi Cohen", trades=["plumbing"], cities=[haifa])
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    SlotFactory(pro=pro, start=start, end=start + dt.timedelta(hours=1))
    return pro


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def send_file(fake, shape, name: str, content: bytes, mime_type: str) -> str:
    payload = shape()
    link = fake.add_incoming_file(payload["idMessage"], name, content, mime_type)
    payload["messageData"]["fileMessageData"]["downloadUrl"] = link
    return deliver(payload)


def to_pro(pro):
    return list(OutboundMessage.objects.filter(chat_id=pro.chat_id).order_by("created_at"))


def send_everything() -> list[str]:
    """What the send tasks do, in the order rows were queued."""
    return [outbox.send(row.pk).result for row in OutboundMessage.objects.order_by("created_at")]


def test_the_job_offer_brings_the_customers_photo_and_voice_note(fake_green_api, plumber):
    # given a customer who sends a photo and a voice note, then the job
    send_file(fake_green_api, shapes.image, "leak.jpg", PHOTO, "image/jpeg")
    send_file(fake_green_api, shapes.voice, "v.ogg", VOICE, "audio/ogg")
    assert deliver(shapes.text(JOB)) == Outcome.ASKED_PRO

    # then the pro's offer says two files follow, without a path, and both follow it
    offer, *files = to_pro(plumber)
    assert offer.kind == OutboundKind.BUTTONS and "/media/" not in offer.text
    assert "📎 שתי התמונות או הקבצים של הלקוח/ה נשלחים בהודעות הבאות." in offer.text
    assert [f.kind for f in files] == [OutboundKind.FILE, OutboundKind.FILE]
    assert all("הרצל 10" in f.text and f.text.startswith("📎 מאת Dana") for f in files)

    # and sending them uploads the customer's own bytes to the pro's chat
    assert set(send_everything()) == {"sent"}
    uploads = sorted(fake_green_api.uploads.values(), key=lambda u: u["fileName"])
    assert {u["chatId"] for u in uploads} == {plumber.chat_id}
    assert sorted([u["content"] for u in uploads]) == sorted([PHOTO, VOICE])
    pro_messages = [e for e in fake_green_api.accepted() if e["chatId"] == plumber.chat_id]
    assert pro_messages[0]["typeMessage"] == "interactiveButtonsReply"
    assert {e["typeMessage"] for e in pro_messages[1:]} == {"imageMessage", "audioMessage"}


def test_asking_the_pro_again_does_not_send_the_files_twice(fake_green_api, plumber):
    send_file(fake_green_api, shapes.image, "leak.jpg", PHOTO, "image/jpeg")
    deliver(shapes.text(JOB))
    lead = Lead.objects.get()

    notify_pro(lead, plumber, Slot.objects.get(lead=lead))  # a retried task asks again

    kinds = [row.kind for row in to_pro(plumber)]
    assert kinds.count(OutboundKind.FILE) == 1


@pytest.mark.usefixtures("fake_cloudinary")
def test_a_file_cloudinary_keeps_goes_by_its_public_link(fake_green_api, plumber):
    send_file(fake_green_api, shapes.image, "leak.jpg", PHOTO, "image/jpeg")
    deliver(shapes.text(JOB))

    [file] = [row for row in to_pro(plumber) if row.kind == OutboundKind.FILE]
    assert file.file_url.startswith("https://res.cloudinary.com/")
    send_everything()

    [call] = fake_green_api.calls("sendFileByUrl")
    assert call["json"]["urlFile"] == file.file_url
    assert call["json"]["chatId"] == plumber.chat_id
    assert fake_green_api.uploads == {}


def test_a_file_added_after_the_offer_is_forwarded_with_the_added_message(fake_green_api, plumber):
    # given a job offered with one photo
    send_file(fake_green_api, shapes.image, "leak.jpg", PHOTO, "image/jpeg")
    deliver(shapes.text(JOB))
    before = len(to_pro(plumber))

    # when the customer sends a voice note about it
    assert send_file(fake_green_api, shapes.voice, "v.ogg", VOICE, "audio/ogg") == (
        Outcome.DETAIL_CHANGED
    )

    # then the pro reads one "added" message and gets the new file only
    added, file = to_pro(plumber)[before:]
    assert "/media/" not in added.text and "📎" in added.text
    assert file.kind == OutboundKind.FILE and file.file_url.endswith(".ogg")
    send_everything()
    assert [u["content"] for u in fake_green_api.uploads.values()].count(PHOTO) == 1
    assert [u["content"] for u in fake_green_api.uploads.values()].count(VOICE) == 1


def test_a_job_without_files_sends_no_file_and_says_nothing_about_files(plumber):
    deliver(shapes.text(JOB))

    [offer] = to_pro(plumber)
    assert "📎" not in offer.text
