"""A customer message as a worker handles it: customer, lead, files, greeting, flood limit."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from fixi.models import BusinessSettings
from leads.conversation import process_inbound
from leads.models import Customer, Lead, LeadEvent, LeadStatus
from leads.understanding import missing_fields as understanding_missing
from messaging import inbox
from messaging.models import InboundMessage, OutboundMessage, ProcessingState
from tests.messaging import shapes

pytestmark = pytest.mark.django_db
PHOTO = b"\xff\xd8\xff\xe0" + b"jpeg" * 100


def deliver(payload) -> str:
    return process_inbound(inbox.ingest(payload).inbound_id)


def test_a_first_message_opens_a_lead_and_greets_in_the_customers_language():
    assert deliver(shapes.text("Hi, my AC is dripping water in Haifa")) == "asked"

    lead = Lead.objects.get()
    assert lead.status == LeadStatus.CONTACTED and lead.language == "en"
    assert "dripping" in lead.description
    created = LeadEvent.objects.get(lead=lead, action="created")
    replied = LeadEvent.objects.get(lead=lead, action="replied")
    assert (created.action, created.to_status) == ("created", LeadStatus.NEW)
    assert (replied.action, replied.to_status, replied.reason) == (
        "replied",
        LeadStatus.CONTACTED,
        "asked for address",
    )
    assert (lead.issue_type, lead.city.slug) == ("hvac", "haifa")
    greeting = OutboundMessage.objects.get()
    assert greeting.text.startswith("Thanks Dana!") and greeting.topic == f"lead:{lead.pk}"
    assert greeting.text.endswith(
        "What's the address? Street, house number and flat if there is one."
    )


def test_later_messages_continue_the_open_lead_asking_only_for_what_is_missing():
    deliver(shapes.text("יש לי נזילה מתחת לכיור"))
    deliver(shapes.text("בחיפה, רחוב הרצל 10"))

    lead = Lead.objects.get()
    assert lead.description == "יש לי נזילה מתחת לכיור\nבחיפה, רחוב הרצל 10"
    assert (lead.issue_type, lead.city.slug, lead.full_address) == (
        "plumbing",
        "haifa",
        "רחוב הרצל 10",
    )
    first, second = OutboundMessage.objects.order_by("created_at")
    assert first.text.startswith("תודה Dana!") and "באיזו עיר" in first.text
    assert "תודה" not in second.text and "מתי נוח" in second.text


def test_an_urgent_message_gets_the_safety_tip_first():
    deliver(shapes.text("דחוף!! יש ריח גז חזק במטבח, ברמת גן"))

    lead = Lead.objects.get()
    assert lead.urgent and lead.urgency_reason == "gas_smell"
    assert "102" in OutboundMessage.objects.get().text


def test_a_complete_first_message_needs_no_questions():
    deliver(shapes.text("Leaking pipe under the sink at 12 Herzl St, Haifa, tomorrow at 10:00"))

    lead = Lead.objects.get()
    assert understanding_missing(lead) == []
    assert "?" not in OutboundMessage.objects.get().text


def test_after_completion_a_new_message_starts_a_new_lead():
    deliver(shapes.text("נזילה"))
    Lead.objects.update(status=LeadStatus.COMPLETED)

    deliver(shapes.text("עכשיו החשמל קפץ"))

    assert Lead.objects.count() == 2


def test_a_photo_is_fetched_kept_and_linked_to_the_lead(fake_green_api, settings):
    settings.GREEN_API_WEBHOOK_TOKEN = "t"
    payload = shapes.image()
    url = fake_green_api.add_incoming_file(payload["idMessage"], "leak.jpg", PHOTO, "image/jpeg")
    payload["messageData"]["fileMessageData"]["downloadUrl"] = url

    deliver(payload)

    (media,) = Lead.objects.get().media
    assert media["mime_type"] == "image/jpeg" and media["size"] == len(PHOTO)
    relative = media["url"].split(django_settings.MEDIA_URL, 1)[1]
    assert (settings.MEDIA_ROOT / relative).read_bytes() == PHOTO


def test_without_an_authenticated_webhook_the_file_comes_through_download_file(fake_green_api):
    payload = shapes.voice()
    fake_green_api.add_incoming_file(payload["idMessage"], "v.ogg", b"OggS" * 50, "audio/ogg")
    payload["messageData"]["fileMessageData"]["downloadUrl"] = "http://169.254.169.254/secret"

    deliver(payload)

    assert len(fake_green_api.calls("downloadFile")) == 1
    assert Lead.objects.get().media[0]["mime_type"] == "audio/ogg"


def test_files_of_other_types_are_not_kept(fake_green_api, settings):
    settings.GREEN_API_WEBHOOK_TOKEN = "t"
    payload = shapes.document()
    payload["messageData"]["fileMessageData"]["mimeType"] = "application/x-msdownload"
    url = fake_green_api.add_incoming_file(
        payload["idMessage"], "x.exe", b"MZ" * 10, "application/x-msdownload"
    )
    payload["messageData"]["fileMessageData"]["downloadUrl"] = url

    assert deliver(payload) == "asked"
    assert Lead.objects.get().media == []


def test_a_flood_is_held_back_with_one_notice_and_read_once_the_burst_ends(broker_queue):
    BusinessSettings.objects.update_or_create(key="default", defaults={"flood_limit_per_minute": 3})

    outcomes = [deliver(shapes.text(f"הודעה {n}")) for n in range(6)]

    assert outcomes == ["asked"] * 3 + ["held_back"] * 3
    assert InboundMessage.objects.filter(state=ProcessingState.PENDING).count() == 3
    notices = OutboundMessage.objects.filter(topic="flood")
    assert notices.count() == 1 and "נקרא את כולן" in notices.get().text
    assert OutboundMessage.objects.exclude(topic="flood").count() == 3  # one answer each

    # The burst is over: what was held back is read together, nothing is dropped.
    held = InboundMessage.objects.filter(state=ProcessingState.PENDING).first()
    later = timezone.now() + dt.timedelta(seconds=20)
    assert process_inbound(held.pk, now=later) == "asked"
    assert "הודעה 5" in Lead.objects.get().description
    assert not InboundMessage.objects.exclude(state=ProcessingState.DONE).exists()
    assert OutboundMessage.objects.exclude(topic="flood").count() == 4
    assert notices.count() == 1


def test_a_pro_writing_in_is_not_made_a_customer():
    from tests.factories import ProFactory

    pro = ProFactory(phone="050-555-0101")

    # "Approve" with no job offered: the pro is told what can be answered, nothing else.
    assert deliver(shapes.text("אשר", chat_id=pro.chat_id)) == "pro_unknown"
    assert not Lead.objects.exists() and not Customer.objects.exists()
    help_text = OutboundMessage.objects.get(chat_id=pro.chat_id).text
    assert "בדרך" in help_text and "סיימתי" in help_text
